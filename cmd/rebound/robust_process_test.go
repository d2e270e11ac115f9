//go:build unix

package main

// Tests that run the rebound binary as separate processes: killed with SIGKILL at random
// moments, two scans at once, a reader during a scan, a scan waiting for a lock, and a scan by
// an unprivileged user (docs/robustness.md).

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/reboundhq/rebound/internal/pgtest"
	"github.com/reboundhq/rebound/internal/pipeline"
	"go/build"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildRebound builds the rebound binary into dir and returns its path.
func buildRebound(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "rebound")
	goTool := filepath.Join(build.Default.GOROOT, "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	start := time.Now()
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("go build: %v", time.Since(start).Round(time.Millisecond))
	return bin
}

// writeProcessCorpus writes a folder of 4000 composed messages and returns it with the number
// of messages: four maildirs of 750 messages (bounces with one or two recipients, text
// bounces, ordinary messages, a few empty ones) between eight mboxes of 125 bounces, so that a
// run stores mbox checkpoints all along, and a link loop.
func writeProcessCorpus(t *testing.T, dir string) (string, int) {
	t.Helper()
	root := filepath.Join(dir, "bounces")
	n := 0
	for i := range 3000 {
		var m string
		rcpt := fmt.Sprintf("user%d@example.org", i)
		switch {
		case i%100 == 99:
			m = ""
		case i%10 < 6:
			m = composeDSN(i, rcpt, "")
		case i%10 < 8:
			m = composeText(i, rcpt)
		case i%10 == 8:
			m = ordinary
		default:
			m = composeDSN(i, rcpt, fmt.Sprintf("\nFinal-Recipient: rfc822; other%d@example.net\nAction: failed\nStatus: 5.2.2\n", i))
		}
		sub := "new"
		name := fmt.Sprintf("17%08d.M%dP%d.mx.example.net", i, i, i%7)
		if i%3 == 0 {
			sub, name = "cur", name+":2,S"
		}
		writeFile(t, filepath.Join(root, fmt.Sprintf("%02d-maildir", 3*(i/750)+1), sub, name), []byte(m))
		n++
	}
	for b := range 8 {
		var mbox bytes.Buffer
		for i := b * 125; i < (b+1)*125; i++ {
			fmt.Fprintf(&mbox, "From MAILER-DAEMON Mon Mar  4 10:%02d:%02d 2024\n", i/60%60, i%60)
			if i%2 == 0 {
				mbox.WriteString(composeDSN(10000+i, fmt.Sprintf("box%d@example.com", i), ""))
			} else {
				mbox.WriteString(composeText(10000+i, fmt.Sprintf("box%d@example.com", i)))
			}
			mbox.WriteString("\n")
			n++
		}
		writeFile(t, filepath.Join(root, fmt.Sprintf("%02d.mbox", 3*(b/2)+b%2+2)), mbox.Bytes())
	}
	for link, target := range map[string]string{"loop-a": "loop-b", "loop-b": "loop-a"} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
		n++
	}
	return root, n
}

// scanProc is a `rebound scan` process.
type scanProc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

func startScan(t *testing.T, bin, db string, extra []string, paths ...string) *scanProc {
	t.Helper()
	p := &scanProc{}
	args := append([]string{"--db", db, "scan", "--json", "--no-progress"}, extra...)
	p.cmd = exec.Command(bin, append(args, paths...)...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// wait waits for the process and reports whether it was killed by SIGKILL; it fails the test
// if the process ended in any other way than SIGKILL or exit status 0.
func (p *scanProc) wait(t *testing.T) (killed bool) {
	t.Helper()
	err := p.cmd.Wait()
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(p.cmd.Args, " "), err, p.stderr.String())
	}
	return false
}

// summary returns the run summary printed with --json.
func (p *scanProc) summary(t *testing.T) pipeline.IngestSummary {
	t.Helper()
	var s pipeline.IngestSummary
	if err := json.Unmarshal(p.stdout.Bytes(), &s); err != nil {
		t.Fatalf("summary %q: %v", p.stdout.String(), err)
	}
	return s
}

// dumpDatabase returns the rows of a database that a scan decides, one string per row and
// sorted: messages, events and mbox progress, without the times of the scan itself.
func dumpDatabase(t *testing.T, path string) []string {
	t.Helper()
	db := openDB(t, path)
	var out []string
	for _, q := range []string{
		`SELECT 'message', key, position, path, outcome, coalesce(error, ''), coalesce(format, ''),
			coalesce(message_id, ''), coalesce(subject, ''), coalesce(from_addr, ''),
			coalesce(sent_at, 0), recipients FROM messages`,
		`SELECT 'event', message_key, idx, recipient, coalesce(action, ''), coalesce(status, ''),
			coalesce(reply_code, ''), coalesce(diagnostic, ''), reason, type, hard,
			coalesce(provider, ''), coalesce(rule, ''), confidence, coalesce(bounced_at, 0),
			coalesce(original_message_id, ''), coalesce(campaign, '') FROM events`,
		`SELECT 'mbox', path, byte_offset, message_count, checksum FROM mbox_progress`,
	} {
		out = append(out, queryLines(t, db, q)...)
	}
	slices.Sort(out)
	return out
}

// sameDatabase fails the test unless the database at path holds what want (a dumpDatabase)
// holds.
func sameDatabase(t *testing.T, path string, want []string) {
	t.Helper()
	checkConsistent(t, path)
	got := dumpDatabase(t, path)
	if slices.Equal(got, want) {
		return
	}
	count := func(rows []string, kind string) (n int) {
		for _, r := range rows {
			if strings.HasPrefix(r, kind+"|") {
				n++
			}
		}
		return n
	}
	t.Errorf("%s differs from one uninterrupted run: %d messages, %d events, %d mbox rows; want %d, %d, %d",
		path, count(got, "message"), count(got, "event"), count(got, "mbox"),
		count(want, "message"), count(want, "event"), count(want, "mbox"))
	g, w := map[string]bool{}, map[string]bool{}
	for _, r := range got {
		g[r] = true
	}
	for _, r := range want {
		w[r] = true
	}
	shown := 0
	for _, r := range want {
		if !g[r] && shown < 5 {
			t.Errorf("missing: %.200s", r)
			shown++
		}
	}
	for _, r := range got {
		if !w[r] && shown < 10 {
			t.Errorf("extra: %.200s", r)
			shown++
		}
	}
}

// TestProcesses runs the rebound binary on a corpus of 4000 messages: killed at random
// moments, two at once, with a reader, waiting for a lock, as another user. Each result must
// be what one uninterrupted run into a fresh database stores.
func TestProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it many times")
	}
	dir := t.TempDir()
	bin := buildRebound(t, dir)
	corpus, total := writeProcessCorpus(t, dir)

	// One uninterrupted run into a fresh database: the reference.
	ref := filepath.Join(dir, "reference.db")
	start := time.Now()
	p := startScan(t, bin, ref, nil, corpus)
	if p.wait(t) {
		t.Fatal("reference run killed")
	}
	full := time.Since(start)
	sum := p.summary(t)
	t.Logf("one run: %v, %+v", full.Round(time.Millisecond), sum)
	// The 300 ordinary messages are one message: 299 copies are stored as duplicates of the first.
	if sum.Read != total || sum.New+sum.Duplicates != total || sum.Duplicates != 299 || sum.BadPaths != 0 || sum.Unreadable != 2 {
		t.Fatalf("reference run: %+v for %d messages", sum, total)
	}
	checkConsistent(t, ref)
	want := dumpDatabase(t, ref)

	t.Run("kill -9", func(t *testing.T) { testKill(t, bin, corpus, full, want) })
	t.Run("two scans at once", func(t *testing.T) { testConcurrentScans(t, bin, corpus, total, want) })
	t.Run("reader during a scan", func(t *testing.T) { testSnapshot(t, bin, corpus, total) })
	t.Run("scan waits for a lock", func(t *testing.T) { testBusy(t, bin, corpus, want) })
	t.Run("unreadable file as another user", func(t *testing.T) { testOtherUser(t, bin) })
	t.Run("kill -9 on PostgreSQL", func(t *testing.T) { testKillPostgres(t, bin, corpus, full) })
	t.Run("SIGINT", func(t *testing.T) { testInterrupt(t, bin, corpus, full, want) })
}

// testInterrupt stops scans with SIGINT, as Ctrl-C does: each says so and exits with status
// 130, the database stays consistent, and a last run completes it to the reference.
func testInterrupt(t *testing.T, bin, corpus string, full time.Duration, want []string) {
	db := filepath.Join(t.TempDir(), "rebound.db")
	interrupted := 0
	for delay := full / 2; delay > time.Millisecond && interrupted < 3; delay /= 2 {
		p := startScan(t, bin, db, []string{"--batch", "20"}, corpus)
		timer := time.AfterFunc(delay, func() { p.cmd.Process.Signal(os.Interrupt) })
		err := p.cmd.Wait()
		timer.Stop()
		if err == nil {
			continue // finished before the signal: try sooner
		}
		if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGINT {
			// The signal came before main installed its handler (a loaded machine can take
			// longer than the delay to start the process): the default action ended it, as it
			// would any program, before anything was opened. Not the case under test.
			t.Logf("SIGINT after %v came before the handler was installed", delay)
			continue
		}
		interrupted++
		if code := p.cmd.ProcessState.ExitCode(); code != exitInterrupted {
			t.Fatalf("interrupted after %v: exit status %d (%v), want %d\n%s", delay, code, err, exitInterrupted, p.stderr.String())
		}
		if !strings.Contains(p.stderr.String(), "rebound: interrupted (SIGINT); what was already stored is kept\n") {
			t.Errorf("interrupted after %v, stderr:\n%s", delay, p.stderr.String())
		}
		if fi, err := os.Stat(db); err == nil && fi.Size() > 0 {
			checkConsistent(t, db)
		}
	}
	if interrupted == 0 {
		t.Fatal("no SIGINT hit a running scan")
	}
	if p := startScan(t, bin, db, nil, corpus); p.wait(t) {
		t.Fatal("last run killed")
	}
	sameDatabase(t, db, want)
}

// testKillPostgres kills scans into a PostgreSQL database with SIGKILL at random moments until
// 5 kills have hit a running scan, lets the next run complete, and checks the database against
// one uninterrupted run into a SQLite file (by the same host name): copied back into a SQLite
// file with db copy, it holds the same messages, events and checkpoints.
func testKillPostgres(t *testing.T, bin, corpus string, full time.Duration) {
	pg := pgtest.URL(t)
	host := []string{"--host", "mx1"}
	ref := filepath.Join(t.TempDir(), "reference.db")
	if startScan(t, bin, ref, host, corpus).wait(t) {
		t.Fatal("reference run killed")
	}
	want := dumpDatabase(t, ref)
	seed := uint64(time.Now().UnixNano())
	rnd := rand.New(rand.NewPCG(seed, 9))
	t.Logf("random delays in [5ms, %v], seed %d", full.Round(time.Millisecond), seed)
	deadline := time.Now().Add(max(45*time.Second, 20*full))
	kills, runs := 0, 0
	for {
		batch := []string{"20", "200", "1000"}[rnd.IntN(3)]
		delay := 5*time.Millisecond + time.Duration(rnd.Int64N(int64(full)))
		if kills >= 5 || time.Now().After(deadline) {
			delay = time.Hour // let it complete
		}
		p := startScan(t, bin, pg, append([]string{"--batch", batch}, host...), corpus)
		timer := time.AfterFunc(delay, func() { p.cmd.Process.Signal(syscall.SIGKILL) })
		killed := p.wait(t)
		timer.Stop()
		runs++
		if !killed {
			break
		}
		kills++
	}
	t.Logf("%d kills in %d runs", kills, runs)
	if kills == 0 {
		t.Error("no kill hit a running scan before the time limit")
	}
	back := filepath.Join(t.TempDir(), "back.db")
	if out, err := exec.Command(bin, "db", "copy", "--from", pg, "--to", back).CombinedOutput(); err != nil {
		t.Fatalf("db copy: %v\n%s", err, out)
	}
	sameDatabase(t, back, want)
}

// testKill starts scans and kills them with SIGKILL after a random delay between 5 ms and the
// duration of a full run, again and again on the same database until a run completes; then the
// database must equal the reference. It repeats this on fresh databases until at least 20
// kills have hit a running scan.
func testKill(t *testing.T, bin, corpus string, full time.Duration, want []string) {
	seed := uint64(time.Now().UnixNano())
	rnd := rand.New(rand.NewPCG(seed, 7))
	t.Logf("random delays in [5ms, %v], seed %d", full.Round(time.Millisecond), seed)
	// About 25 full runs are needed; a loaded machine makes runs slower, so the limit scales.
	deadline := time.Now().Add(max(45*time.Second, 40*full))
	kills, runs, sessions := 0, 0, 0
	for kills < 20 && time.Now().Before(deadline) {
		sessions++
		db := filepath.Join(t.TempDir(), "rebound.db")
		for {
			batch := []string{"20", "200", "1000"}[rnd.IntN(3)]
			delay := 5*time.Millisecond + time.Duration(rnd.Int64N(int64(full)))
			p := startScan(t, bin, db, []string{"--batch", batch}, corpus)
			timer := time.AfterFunc(delay, func() { p.cmd.Process.Signal(syscall.SIGKILL) })
			killed := p.wait(t)
			timer.Stop()
			runs++
			if !killed {
				break
			}
			kills++
			if fi, err := os.Stat(db); err == nil && fi.Size() > 0 {
				checkConsistent(t, db)
			}
			if t.Failed() {
				t.Fatalf("after kill %d (batch %s, %v)", kills, batch, delay)
			}
		}
		sameDatabase(t, db, want)
		if t.Failed() {
			t.Fatalf("session %d", sessions)
		}
	}
	t.Logf("%d kills in %d runs over %d databases", kills, runs, sessions)
	if kills < 20 {
		t.Errorf("only %d kills hit a running scan before the time limit", kills)
	}
}

// testConcurrentScans starts two scans of the same mailboxes into the same new database at
// once: both must succeed, store each message once between them and leave the reference.
func testConcurrentScans(t *testing.T, bin, corpus string, total int, want []string) {
	for round, skew := range []time.Duration{0, 30 * time.Millisecond} {
		db := filepath.Join(t.TempDir(), "rebound.db")
		a := startScan(t, bin, db, nil, corpus)
		time.Sleep(skew)
		b := startScan(t, bin, db, []string{"--batch", "100"}, corpus)
		if a.wait(t) || b.wait(t) {
			t.Fatal("killed")
		}
		sa, sb := a.summary(t), b.summary(t)
		if sa.New+sa.Duplicates+sb.New+sb.Duplicates != total || sa.Read != total || sb.Read != total {
			t.Errorf("round %d: runs stored %d and %d of %d messages (read %d and %d)", round, sa.New+sa.Duplicates, sb.New+sb.Duplicates,
				total, sa.Read, sb.Read)
		}
		sameDatabase(t, db, want)
	}
}

// testSnapshot reads the database in one read transaction while a scan writes to it. The
// reader must see the same consistent snapshot throughout (every message with its events),
// must not hold the scan up, and must see the scan's work once it starts a new transaction.
// `rebound export` does not exist yet, so this checks what it will rely on, through SQL.
func testSnapshot(t *testing.T, bin, corpus string, total int) {
	db := filepath.Join(t.TempDir(), "rebound.db")
	p := startScan(t, bin, db, []string{"--batch", "20", "--workers", "1"}, corpus)
	done := make(chan bool, 1)
	go func() { done <- p.wait(t) }()

	r := openDB(t, db)
	count := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) (msgs, rcpts, events int) {
		err := q.QueryRowContext(context.Background(), `SELECT
			(SELECT count(*) FROM messages), (SELECT coalesce(sum(recipients), 0) FROM messages),
			(SELECT count(*) FROM events)`).Scan(&msgs, &rcpts, &events)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return msgs, rcpts, events
	}
	// Wait for the first batches.
	var msgs int
	for msgs == 0 {
		select {
		case <-done:
			t.Fatal("the scan ended before the reader saw anything: too fast to test")
		case <-time.After(2 * time.Millisecond):
		}
		if _, err := os.Stat(db + "-wal"); err != nil {
			continue
		}
		var err error
		if err = r.QueryRow(`SELECT count(*) FROM messages`).Scan(&msgs); err != nil && !strings.Contains(err.Error(), "no such table") {
			t.Fatal(err)
		}
	}
	tx, err := r.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	m0, r0, e0 := count(tx)
	if r0 != e0 {
		t.Errorf("snapshot: %d recipients in messages, %d events", r0, e0)
	}
	moved := false
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		case <-time.After(5 * time.Millisecond):
		}
		m, rc, e := count(tx)
		if m != m0 || rc != r0 || e != e0 {
			t.Fatalf("the snapshot changed inside a read transaction: %d/%d/%d, then %d/%d/%d", m0, r0, e0, m, rc, e)
		}
		if n, _, _ := count(r); n > m0 {
			moved = true
		}
	}
	if !moved {
		t.Error("the scan committed nothing while the reader held its snapshot")
	}
	if m, _, _ := count(r); m != total || m0 >= total {
		t.Errorf("reader saw %d messages in its snapshot and %d after the scan, of %d", m0, m, total)
	}
	t.Logf("snapshot of %d messages held while the scan stored %d", m0, total)
}

// testBusy holds the write lock of a database while a scan starts: the scan must wait (the
// store's busy timeout) rather than fail, and finish once the lock is released.
func testBusy(t *testing.T, bin, corpus string, want []string) {
	db := filepath.Join(t.TempDir(), "rebound.db")
	p := startScan(t, bin, db, nil, filepath.Join(corpus, "02.mbox"))
	if p.wait(t) {
		t.Fatal("killed")
	}
	u := url.URL{Scheme: "file", Path: db}
	w, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	conn, err := w.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	p = startScan(t, bin, db, nil, corpus)
	exit := make(chan error, 1)
	go func() { exit <- p.cmd.Wait() }()
	select {
	case err := <-exit:
		t.Fatalf("the scan ended (%v) while another process held the lock:\n%s", err, p.stderr.String())
	case <-time.After(1500 * time.Millisecond):
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exit:
		if err != nil {
			t.Fatalf("scan after waiting: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the scan did not finish after the lock was released")
	}
	sameDatabase(t, db, want)
}

// testOtherUser scans, as an unprivileged user, a folder holding a file that user may not
// read: it is recorded as unreadable and the run goes on with exit status 0. Root reads any
// file, so this needs root to start the scan as "nobody" (uid 65534).
func testOtherUser(t *testing.T, bin string) {
	if !isRoot() {
		t.Skip("needs root to run the scan as another user; TestHostileFolder covers this as a user")
	}
	dir := openTempDir(t, "rebound-robust-", 0o777)
	mine := filepath.Join(dir, "rebound")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, mine, data)
	if err := os.Chmod(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	box := filepath.Join(dir, "box")
	writeFile(t, filepath.Join(box, "a.eml"), []byte(composeDSN(1, "ann@example.org", "")))
	writeFile(t, filepath.Join(box, "locked.eml"), []byte(composeDSN(2, "bob@example.org", "")))
	writeFile(t, filepath.Join(box, "z.eml"), []byte(composeText(3, "cat@example.org")))
	if err := os.Chmod(filepath.Join(box, "locked.eml"), 0); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "rebound.db")
	cmd := exec.Command(mine, "--db", db, "scan", "--json", box)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd.Env = append(os.Environ(), "HOME="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("scan as nobody: %v\n%s", err, stderr.String())
		}
		t.Skipf("cannot start a process as nobody: %v", err)
	}
	if !strings.Contains(stderr.String(), filepath.Join(box, "locked.eml")+": open: permission denied") {
		t.Errorf("the unreadable file is not named on stderr:\n%s", stderr.String())
	}
	got := readMessages(t, db)
	for name, want := range map[string]string{"a.eml": "bounce", "locked.eml": "unreadable", "z.eml": "bounce"} {
		m := got[filepath.Join(box, name)]
		if m == nil || m.Outcome != want {
			t.Errorf("%s: %+v, want %s", name, m, want)
		}
	}
	if m := got[filepath.Join(box, "locked.eml")]; m != nil && m.Error != "open: permission denied" {
		t.Errorf("locked.eml: error %q", m.Error)
	}
}
