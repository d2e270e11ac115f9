//go:build unix

package main

// TestSharedDatabase runs the sharing model of docs/operations.md ("Sharing a database") with two
// Unix users: an owner who scans and exports, and a reader in the owner's group who runs the
// commands that only read. Permissions do not stop root, so it needs root to start the two as
// other users, and skips otherwise.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/store"
)

// The users of the test: no account needs to exist for a uid.
const (
	sharedGroup = 42000
	ownerUID    = 42001
	readerUID   = 42002
)

var (
	ownerCred  = &syscall.Credential{Uid: ownerUID, Gid: sharedGroup}
	readerCred = &syscall.Credential{Uid: readerUID, Gid: readerUID, Groups: []uint32{sharedGroup}}
)

// openTempDir makes a temporary folder other users may enter (t.TempDir's are the test's
// user's alone), with mode, removed after the test.
func openTempDir(t *testing.T, pattern string, mode os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sharedRun is one finished command.
type sharedRun struct {
	code           int
	stdout, stderr string
}

// runAs runs the rebound binary as the user of cred, in the environment a cron job has.
func runAs(t *testing.T, cred *syscall.Credential, bin, home string, args ...string) sharedRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + home}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := sharedRun{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Skipf("cannot start a process as uid %d: %v", cred.Uid, err)
	}
	return r
}

// files lists the files of dir with their owner and mode, to see that a reader changed nothing.
func files(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		fi, err := os.Lstat(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		out = append(out, fmt.Sprintf("%s %d:%d %v", e.Name(), st.Uid, st.Gid, fi.Mode()))
	}
	return out
}

func TestSharedDatabase(t *testing.T) {
	if !isRoot() {
		t.Skip("needs root to run rebound as two other users")
	}
	base := openTempDir(t, "rebound-shared-", 0o755)
	bin := buildRebound(t, base)
	box := filepath.Join(base, "box")
	for i := range 40 {
		writeFile(t, filepath.Join(box, "new", fmt.Sprintf("17000000%02d.M%d.mx", i, i)),
			[]byte(composeDSN(i, fmt.Sprintf("user%d@example.org", i%25), "")))
	}
	later := filepath.Join(base, "later")
	writeFile(t, filepath.Join(later, "new", "1800000000.M1.mx"), []byte(composeDSN(99, "late@example.org", "")))
	for _, p := range []string{box, later} {
		if err := exec.Command("chmod", "-R", "a+rX", p).Run(); err != nil {
			t.Fatal(err)
		}
	}
	// The folder of the database: the owner's, readable (not writable) by the group.
	dir := filepath.Join(base, "shared")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { return os.Chown(dir, ownerUID, sharedGroup) },
		func() error { return os.Chmod(dir, 0o2750) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, "rebound.db")
	owner := func(args ...string) sharedRun {
		t.Helper()
		return runAs(t, ownerCred, bin, dir, append([]string{"--db", db}, args...)...)
	}
	reader := func(args ...string) sharedRun {
		t.Helper()
		return runAs(t, readerCred, bin, base, append([]string{"--db", db}, args...)...)
	}
	mustOK := func(who string, r sharedRun, args ...string) {
		t.Helper()
		if r.code != 0 {
			t.Fatalf("%s: rebound %s: exit %d\n%s", who, strings.Join(args, " "), r.code, r.stderr)
		}
	}
	period := []string{"--from", "2024-03-01", "--to", "2024-03-31"}
	// Every command a reader may run, and what its output must show.
	reads := []struct {
		args []string
		want string
	}{
		{append([]string{"stats"}, period...), " hard, 0 soft, 0 block"},
		{append([]string{"recommend", "--format", "csv"}, period...), "severity"},
		{[]string{"show", "user1@example.org"}, "state        suppressed"},
		{[]string{"export"}, "user9@example.org,suppressed,hard,"},
		{[]string{"export", "--new", "--dry-run", "--sync", filepath.Join(dir, "list.csv")}, "email,state,type,"}, // the owner delivered the rows
		{[]string{"sent", "list"}, "No sent volumes recorded"},
	}
	readAll := func(when string) {
		t.Helper()
		before := files(t, dir)
		for _, c := range reads {
			r := reader(c.args...)
			if r.code != 0 || !strings.Contains(r.stdout, c.want) {
				t.Fatalf("%s: reader: rebound %s: exit %d, stdout lacks %q:\n%s\n%s", when, strings.Join(c.args, " "),
					r.code, c.want, r.stdout, r.stderr)
			}
		}
		if after := files(t, dir); !slices.Equal(after, before) {
			t.Fatalf("%s: the reader changed the database's folder:\nbefore %q\nafter  %q", when, before, after)
		}
	}

	mustOK("owner", owner("scan", "--quiet", box), "scan")
	// Not shared yet: the database is the owner's alone (0600), and the reader is told so.
	r := reader("stats")
	if r.code != exitDatabase || !strings.Contains(r.stderr, "cannot be read: rebound.db is not readable by this user") ||
		!strings.Contains(r.stderr, "chmod g+r "+db) {
		t.Fatalf("reader of an unshared database: exit %d\n%s", r.code, r.stderr)
	}
	// Shared as docs/operations.md says: the owner makes the database group-readable, and the
	// owner's next run gives the -wal and -shm files the same mode.
	if err := os.Chmod(db, 0o640); err != nil {
		t.Fatal(err)
	}
	mustOK("owner", owner("export", "--out", filepath.Join(dir, "list.csv")), "export --out")
	for _, f := range files(t, dir) {
		if strings.HasPrefix(f, "rebound.db") && !strings.HasSuffix(f, fmt.Sprintf(" %d:%d -rw-r-----", ownerUID, sharedGroup)) {
			t.Errorf("after the owner's run: %s, want the owner's, mode 0640", f)
		}
	}
	readAll("folder not writable by the reader")

	// A reader who may write the folder creates nothing in it either.
	if err := os.Chmod(dir, 0o2770); err != nil {
		t.Fatal(err)
	}
	readAll("folder writable by the reader")

	// The owner's next nightly run works, reader or not.
	mustOK("owner", owner("scan", "--quiet", later), "scan")
	mustOK("owner", owner("export", "--out", filepath.Join(dir, "list.csv")), "export --out")

	// A database whose -wal and -shm files are gone (last closed by an older rebound, or
	// copied) is read as it is, still without creating them.
	for _, s := range []string{"-wal", "-shm"} {
		if err := os.Remove(db + s); err != nil {
			t.Fatal(err)
		}
	}
	readAll("no -wal and -shm files")
	mustOK("owner", owner("scan", "--quiet", later), "scan")

	// Readers during the owner's scan: each sees a consistent snapshot and exits 0.
	big := filepath.Join(base, "big")
	for i := range 3000 {
		writeFile(t, filepath.Join(big, "new", fmt.Sprintf("19%08d.M%d.mx", i, i)),
			[]byte(composeDSN(1000+i, fmt.Sprintf("big%d@example.net", i%700), "")))
	}
	if err := exec.Command("chmod", "-R", "a+rX", big).Run(); err != nil {
		t.Fatal(err)
	}
	scan := exec.Command(bin, "--db", db, "scan", "--quiet", "--batch", "100", big)
	scan.SysProcAttr = &syscall.SysProcAttr{Credential: ownerCred}
	scan.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	var scanErr bytes.Buffer
	scan.Stderr = &scanErr
	if err := scan.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- scan.Wait() }()
	reads2 := 0
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("owner's scan with readers: %v\n%s", err, scanErr.String())
			}
			running = false
		default:
			if r := reader(append([]string{"stats", "--format", "json"}, period...)...); r.code != 0 {
				t.Fatalf("reader during the owner's scan: exit %d\n%s", r.code, r.stderr)
			}
			reads2++
		}
	}
	t.Logf("%d reads during the owner's scan", reads2)
	if r := reader(append([]string{"stats"}, period...)...); !strings.Contains(r.stdout, "Bounces: 3,041,") {
		t.Errorf("after the scan the reader sees:\n%s\n%s", r.stdout, r.stderr)
	}

	// A reader cannot write, and is told who can.
	r = reader("unsuppress", "user1@example.org", "--reason", "test")
	if r.code != exitDatabase || !strings.Contains(r.stderr, "rebound.db is not writable by this user") ||
		!strings.Contains(r.stderr, "run the commands that write it") {
		t.Errorf("reader's unsuppress: exit %d\n%s", r.code, r.stderr)
	}

	// Events stored but not evaluated (a scan killed before its evaluation): the reader is told
	// that states are as of the last evaluation; the owner's show evaluates them.
	st, err := store.Open(db, store.Existing())
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.SaveBatch(context.Background(), []store.Message{{Key: "pending-1", Position: "x", Path: "x", Outcome: "bounce",
		Events: []bounce.Event{{Recipient: "user1@example.org", Reason: "userunknown", Type: "hard", Hard: true,
			BouncedAt: time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)}}}}, nil)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	note := "some events are not evaluated yet"
	if r := reader("show", "user1@example.org"); r.code != 0 || !strings.Contains(r.stderr, note) || !strings.Contains(r.stdout, "bounces      2 ") {
		t.Errorf("reader's show with pending events: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := owner("show", "user1@example.org"); r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "bounces      3 ") {
		t.Errorf("owner's show with pending events: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := reader("show", "user1@example.org"); r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "bounces      3 ") {
		t.Errorf("reader's show once the owner evaluated: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// -wal and -shm files left by a reader of an older rebound: the owner is told what to do.
	for _, s := range []string{"-wal", "-shm"} {
		if err := os.Chown(db+s, readerUID, sharedGroup); err != nil {
			t.Fatal(err)
		}
	}
	last := filepath.Join(base, "last")
	writeFile(t, filepath.Join(last, "new", "1900000000.M1.mx"), []byte(composeDSN(98, "last@example.org", "")))
	if err := exec.Command("chmod", "-R", "a+rX", last).Run(); err != nil {
		t.Fatal(err)
	}
	r = owner("scan", "--quiet", last)
	if r.code != exitDatabase || !strings.Contains(r.stderr, fmt.Sprintf("was created by uid %d, not by the database's owner uid %d", readerUID, ownerUID)) ||
		!strings.Contains(r.stderr, "remove "+db+"-wal and "+db+"-shm") {
		t.Errorf("owner blocked by a reader's files: exit %d\n%s", r.code, r.stderr)
	}
}

// TestExportKeepsOwner: export --out replaces a file keeping its owner, group and mode, so that a
// CRM uploader running as another user keeps its access; a user who cannot keep them (not root,
// not the owner) replaces nothing. Needs root to own files as others.
func TestExportKeepsOwner(t *testing.T) {
	if !isRoot() {
		t.Skip("needs root to give files other owners")
	}
	base := openTempDir(t, "rebound-owner-", 0o777)
	box := filepath.Join(base, "box")
	writeFile(t, filepath.Join(box, "a.eml"), []byte(composeDSN(1, "ann@example.org", "")))
	if err := exec.Command("chmod", "-R", "a+rX", box).Run(); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(base, "root.db")
	out := filepath.Join(base, "crm.csv")
	old := []byte("email\r\nold@example.org\r\n")
	writeFile(t, out, old)
	if err := os.Chown(out, ownerUID, sharedGroup); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(out, 0o604); err != nil {
		t.Fatal(err)
	}
	check := func(uid, gid int, mode os.FileMode, want string) {
		t.Helper()
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) != uid || int(st.Gid) != gid || fi.Mode().Perm() != mode {
			t.Errorf("crm.csv: %d:%d %v, want %d:%d %v", st.Uid, st.Gid, fi.Mode().Perm(), uid, gid, mode)
		}
		if b, _ := os.ReadFile(out); !strings.Contains(string(b), want) {
			t.Errorf("crm.csv holds %q, want %q in it", b, want)
		}
	}
	if code, stderr := runIn(t, "--db", db, "scan", "--quiet", box); code != 0 {
		t.Fatal(stderr)
	}
	if code, stderr := runIn(t, "--db", db, "export", "--quiet", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	check(ownerUID, sharedGroup, 0o604, "ann@example.org,suppressed,")
	if code, stderr := runIn(t, "--db", db, "export", "--quiet", "--mode", "0640", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	check(ownerUID, sharedGroup, 0o640, "ann@example.org,suppressed,")

	// Another user, who may write the folder but is neither the file's owner nor root.
	bin := buildRebound(t, base)
	writeFile(t, out, old)
	if err := os.Chown(out, ownerUID, sharedGroup); err != nil {
		t.Fatal(err)
	}
	r := runAs(t, readerCred, bin, base, "--db", filepath.Join(base, "reader.db"), "scan", "--quiet", box)
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	r = runAs(t, readerCred, bin, base, "--db", filepath.Join(base, "reader.db"), "export", "--out", out)
	if r.code != exitFailure || !strings.Contains(r.stderr, "cannot keep the owner and group of the file (owner 42001, group 42000)") ||
		!strings.Contains(r.stderr, "hint: nothing was replaced") {
		t.Errorf("another user's export: exit %d\n%s", r.code, r.stderr)
	}
	check(ownerUID, sharedGroup, 0o640, "old@example.org")
	if matches, _ := filepath.Glob(filepath.Join(base, ".crm.csv.tmp-*")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}
