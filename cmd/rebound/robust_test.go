package main

// Robustness tests of the whole command (docs/robustness.md): hostile input, database faults
// and adversarial text in the output. Tests that start processes (kill -9, concurrent runs)
// are in robust_process_test.go.

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"fmt"
	"go/build"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/cputime"
	"github.com/reboundhq/rebound/internal/mailbox"
	"github.com/reboundhq/rebound/internal/pipeline"
	_ "modernc.org/sqlite"
)

// cli runs one rebound command line in-process and returns its exit status and output.
func cli(t testing.TB, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, stdin, &out, &errOut)
	return code, out.String(), errOut.String()
}

// cliWithin is cli with a time limit: a run that does not end in time fails the test (the
// run itself cannot be stopped and goes on in the background).
func cliWithin(t testing.TB, limit time.Duration, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		var out, errOut bytes.Buffer
		c := run(args, nil, &out, &errOut)
		done <- result{c, out.String(), errOut.String()}
	}()
	select {
	case r := <-done:
		t.Logf("rebound %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
		return r.code, r.stdout, r.stderr
	case <-time.After(limit):
		t.Fatalf("rebound %s did not finish within %v", strings.Join(args, " "), limit)
	}
	return 0, "", ""
}

// composeDSN composes an RFC 3464 delivery status notification (an RFC 6522 multipart/report)
// for one failed recipient. extra is inserted as more body parts after the delivery status.
func composeDSN(n int, rcpt, extra string) string {
	return strings.NewReplacer("{N}", fmt.Sprint(n), "{RCPT}", rcpt, "{EXTRA}", extra).Replace(
		`From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: news@example.com
Subject: Undelivered Mail Returned to Sender
Date: Mon, 4 Mar 2024 10:00:00 +0000
Message-ID: <bounce-{N}@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="bound-{N}"

--bound-{N}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net. Your message could not be delivered.

--bound-{N}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {RCPT}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{RCPT}>: Recipient address rejected: User unknown
{EXTRA}
--bound-{N}
Content-Type: text/rfc822-headers

From: news@example.com
To: {RCPT}
Subject: Our March newsletter
Message-ID: <news-{N}@example.com>

--bound-{N}--
`)
}

// composeText composes a plain-text bounce of the kind Postfix writes without a delivery
// status part.
func composeText(n int, rcpt string) string {
	return fmt.Sprintf(`From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: news@example.com
Subject: Undelivered Mail Returned to Sender
Date: Mon, 4 Mar 2024 11:00:00 +0000
Message-ID: <text-%d@mx.example.net>

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<%s>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <%s>: Recipient address
    rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)
`, n, rcpt, rcpt)
}

// ordinary is a message that is not a bounce.
const ordinary = `From: Ann <ann@example.org>
To: news@example.com
Subject: Re: Our March newsletter
Date: Mon, 4 Mar 2024 12:00:00 +0000

Thanks, see you there.
`

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// randomBytes returns n pseudo-random bytes, the same for the same seed.
func randomBytes(seed uint64, n int) []byte {
	rnd := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rnd.Uint32())
	}
	return b
}

// isRoot reports whether file permissions do not apply to this process.
func isRoot() bool { return os.Geteuid() == 0 }

// openDB opens a rebound database for reading with database/sql.
func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	u := url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro&_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// storedMessage is a row of the messages table with its events' recipients.
type storedMessage struct {
	Key, Position, Outcome, Error string
	Recipients                    []string       // events, in idx order
	Earlier                       *storedMessage // a failure recorded at the same position
}

// readMessages returns the messages of the database at path by position. A position may
// hold a message under a failure key (see internal/mailbox) and the same message read later
// under its ordinary key: the ordinary one is returned, the other is in Earlier.
func readMessages(t testing.TB, path string) map[string]*storedMessage {
	t.Helper()
	db := openDB(t, path)
	rows, err := db.Query(`SELECT key, position, outcome, coalesce(error, '') FROM messages`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]*storedMessage{}
	byKey := map[string]*storedMessage{}
	for rows.Next() {
		m := &storedMessage{}
		if err := rows.Scan(&m.Key, &m.Position, &m.Outcome, &m.Error); err != nil {
			t.Fatal(err)
		}
		byKey[m.Key] = m
		switch prev := out[m.Position]; {
		case prev == nil:
			out[m.Position] = m
		case strings.HasPrefix(prev.Key, mailbox.FailedPrefix) && !strings.HasPrefix(m.Key, mailbox.FailedPrefix):
			m.Earlier, out[m.Position] = prev, m
		case strings.HasPrefix(m.Key, mailbox.FailedPrefix) && !strings.HasPrefix(prev.Key, mailbox.FailedPrefix):
			prev.Earlier = m
		default:
			t.Errorf("two messages at %s: %s and %s", m.Position, prev.Key, m.Key)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	ev, err := db.Query(`SELECT message_key, recipient FROM events ORDER BY message_key, idx`)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	for ev.Next() {
		var key, rcpt string
		if err := ev.Scan(&key, &rcpt); err != nil {
			t.Fatal(err)
		}
		if m := byKey[key]; m != nil {
			m.Recipients = append(m.Recipients, rcpt)
		} else {
			t.Errorf("event of %s without a message", key)
		}
	}
	if err := ev.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// decoded is the hostileCase.outcome of a message that must be decoded, as a bounce or not,
// and not be an error.
const decoded = "bounce or notbounce"

// hostileCase is one entry of the hostile folder and what a scan must make of it.
type hostileCase struct {
	name    string   // position relative to the folder
	outcome string   // the stored outcome
	errText string   // part of the stored error, "" when there must be none
	rcpts   []string // the stored events' recipients
	atLeast bool     // rcpts are among the stored recipients, which may hold others
}

// hostileDir holds the small hostile fixtures, composed for rebound (docs/robustness.md).
var hostileDir = filepath.Join("..", "..", "testdata", "hostile")

// hostileFixtures is what a scan must store for each file of testdata/hostile.
var hostileFixtures = map[string][]hostileCase{
	"empty.eml":    {}, // an mbox of no message: nothing stored (an empty maildir file is below)
	"random.bin":   {{outcome: "undecodable", errText: "no headers"}},
	"nul-only.eml": {{outcome: "undecodable", errText: "no headers"}},
	// Two whole bounces, then one cut in the middle of its delivery status.
	"truncated.mbox": {
		{name: ":1", outcome: "bounce", rcpts: []string{"eve@example.org"}},
		{name: ":2", outcome: "bounce", rcpts: []string{"fay@example.org"}},
		{name: ":3", outcome: "notbounce"},
	},
	// Multipart nested 100 deep: nesting beyond 20 is not split into parts. A delivery status
	// at the bottom is not found; one before the deep nesting is.
	"nested-status-deep.eml": {{outcome: "notbounce"}},
	"nested.eml":             {{outcome: "bounce", rcpts: []string{"jon@example.org"}}},
	// Unknown charsets (in a part and in encoded words), broken base64 and quoted-printable in
	// the text part: decoded leniently. A delivery status that claims to be base64 but is not
	// decodes to nothing useful.
	"unknown-charset.eml":   {{outcome: "bounce", rcpts: []string{"max@example.org"}}},
	"broken-base64.eml":     {{outcome: "bounce", rcpts: []string{"ned@example.org"}}},
	"broken-qp.eml":         {{outcome: "bounce", rcpts: []string{"oli@example.org"}}},
	"status-not-base64.eml": {{outcome: "notbounce"}},
	"nul-bytes.eml":         {{outcome: "bounce", rcpts: []string{"quinn@example.org"}}},
	// Malformed recipients ("<>", "@@", "user@", an unterminated quote, a 5000-character local
	// part): recorded, decoded as well as can be.
	"bad-address-0.eml": {{outcome: decoded}},
	"bad-address-1.eml": {{outcome: decoded}},
	"bad-address-2.eml": {{outcome: decoded}},
	"bad-address-3.eml": {{outcome: decoded}},
	"bad-address-4.eml": {{outcome: decoded}},
	// Escape sequences, quotes, newlines in the recipient and diagnostic (TestAdversarialOutput).
	"adversarial.eml": {{outcome: "bounce", rcpts: []string{"plain@example.org"}, atLeast: true}},
}

// buildHostileFolder writes the hostile folder of docs/robustness.md into dir: the fixtures of
// testdata/hostile, and inputs too large to commit or that cannot be committed (links, a FIFO,
// a file without permissions), generated here. It returns what a scan must store for each
// message.
func buildHostileFolder(t testing.TB, dir string) []hostileCase {
	t.Helper()
	var cases []hostileCase
	add := func(name string, data []byte, c hostileCase) {
		if data != nil {
			writeFile(t, filepath.Join(dir, name), data)
		}
		c.name = name
		cases = append(cases, c)
	}
	bounced := func(rcpts ...string) hostileCase { return hostileCase{outcome: "bounce", rcpts: rcpts} }

	files, err := os.ReadDir(hostileDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		want, ok := hostileFixtures[f.Name()]
		if !ok {
			t.Errorf("%s: no expectation in hostileFixtures", f.Name())
			continue
		}
		data, err := os.ReadFile(filepath.Join(hostileDir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f.Name()), data)
		if f.Name() == "truncated.mbox" {
			// Left alone for hours: its cut last message is read as it is. (A file changed
			// in the last minute keeps it for the next run: TestMboxAppendedWhileRead.)
			old := time.Now().Add(-2 * time.Hour)
			if err := os.Chtimes(filepath.Join(dir, f.Name()), old, old); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range want {
			c.name = f.Name() + c.name
			cases = append(cases, c)
		}
	}
	if len(files) != len(hostileFixtures) {
		t.Errorf("%d files in %s, %d in hostileFixtures", len(files), hostileDir, len(hostileFixtures))
	}

	// Good messages around the bad ones: their events must all be there.
	add("good-1.eml", []byte(composeDSN(1, "ann@example.org", "")), bounced("ann@example.org"))
	add("good-2.eml", []byte(composeText(2, "bob@example.org")), bounced("bob@example.org"))
	add("ordinary.eml", []byte(ordinary), hostileCase{outcome: "notbounce"})
	add("maildir/new/1700000001.M1P1.host", []byte(composeDSN(3, "cat@example.org", "")), bounced("cat@example.org"))
	add("maildir/cur/1700000002.M2P1.host:2,S", []byte(composeText(4, "dan@example.org")), bounced("dan@example.org"))
	add("maildir/new/1700000003.M3P1.host", []byte{}, hostileCase{outcome: "undecodable", errText: "empty message"})

	// 100 MB: over the default limit, recorded as undecodable without being read.
	var huge bytes.Buffer
	huge.WriteString(composeDSN(8, "hal@example.org", ""))
	line := strings.Repeat("0123456789abcdef", 8) + "\n"
	for huge.Len() < 100<<20 {
		huge.WriteString(line)
	}
	add("huge.eml", huge.Bytes(), hostileCase{outcome: "undecodable", errText: "message too large: 104857"})

	// 10,000 MIME parts: the first 1000 are read. After the delivery status they do not
	// matter; before it, they hide it.
	var parts strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&parts, "\n--bound-9\nContent-Type: text/plain\n\npart %d\n", i)
	}
	add("parts.eml", []byte(composeDSN(9, "ivy@example.org", parts.String())), bounced("ivy@example.org"))
	m := composeDSN(9, "ivy@example.org", "")
	m = strings.Replace(m, "\n--bound-9\nContent-Type: message/delivery-status", parts.String()+"\n--bound-9\nContent-Type: message/delivery-status", 1)
	add("parts-first.eml", []byte(m), hostileCase{outcome: "notbounce"})

	// A 1 MB header line, and a 1 MB line in the delivery status.
	long := strings.Replace(composeDSN(10, "kim@example.org", ""), "Subject: Undelivered",
		"X-Filler: "+strings.Repeat("x", 1<<20)+"\nSubject: Undelivered", 1)
	add("long-header.eml", []byte(long), bounced("kim@example.org"))
	long = composeDSN(11, "lee@example.org", "X-Filler: "+strings.Repeat("y", 1<<20)+"\n")
	add("long-status-line.eml", []byte(long), bounced("lee@example.org"))

	// A symbolic link loop, a FIFO (reading it would block for ever) and a file nobody may
	// read: recorded as unreadable, the walk goes on. A link to a folder is not followed.
	for link, target := range map[string]string{"loop-a": "loop-b", "loop-b": "loop-a"} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	add("loop-a", nil, hostileCase{outcome: "unreadable", errText: "too many levels of symbolic links"})
	add("loop-b", nil, hostileCase{outcome: "unreadable", errText: "too many levels of symbolic links"})
	if err := os.Symlink(dir, filepath.Join(dir, "maildir", "cur", "up")); err != nil {
		t.Fatal(err)
	}
	if err := mkfifo(filepath.Join(dir, "fifo")); err == nil {
		add("fifo", nil, hostileCase{outcome: "unreadable", errText: "not a regular file"})
	} else {
		t.Logf("no FIFO: %v", err)
	}
	locked := filepath.Join(dir, "locked.eml")
	writeFile(t, locked, []byte(composeDSN(30, "rob@example.org", "")))
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	if isRoot() {
		// Permissions do not stop root (CI runs tests as root): the file is read as usual.
		// TestProcesses covers this case with a process of another user.
		add("locked.eml", nil, bounced("rob@example.org"))
	} else {
		add("locked.eml", nil, hostileCase{outcome: "unreadable", errText: "open: permission denied"})
	}
	return cases
}

// TestHostileFolder scans a folder of hostile input in-process: the run must end in time with
// exit status 0, store every message, the good bounces with their events and each bad message
// with its outcome and error.
func TestHostileFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hostile")
	cases := buildHostileFolder(t, dir)
	db := filepath.Join(t.TempDir(), "rebound.db")
	code, stdout, stderr := cliWithin(t, 60*time.Second, "--db", db, "scan", "--json", dir)
	if code != 0 {
		t.Fatalf("exit status %d\n%s", code, stderr)
	}
	var sum pipeline.IngestSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	got := readMessages(t, db)
	for _, c := range cases {
		m := got[filepath.Join(dir, c.name)]
		if m == nil {
			t.Errorf("%s: not stored", c.name)
			continue
		}
		delete(got, filepath.Join(dir, c.name))
		if m.Outcome != c.outcome && !(c.outcome == decoded && (m.Outcome == "bounce" || m.Outcome == "notbounce")) {
			t.Errorf("%s: outcome %s (%s), want %s", c.name, m.Outcome, m.Error, c.outcome)
		}
		if c.errText != "" && !strings.Contains(m.Error, c.errText) {
			t.Errorf("%s: error %q, want it to contain %q", c.name, m.Error, c.errText)
		}
		if (c.outcome == "undecodable" || c.outcome == "unreadable") && m.Error == "" {
			t.Errorf("%s: %s without an error", c.name, m.Outcome)
		}
		switch {
		case c.outcome == decoded:
		case c.atLeast:
			for _, r := range c.rcpts {
				if !slices.Contains(m.Recipients, r) {
					t.Errorf("%s: recipients %q, want %q among them", c.name, m.Recipients, r)
				}
			}
		case strings.Join(m.Recipients, " ") != strings.Join(c.rcpts, " "):
			t.Errorf("%s: recipients %q, want %q", c.name, m.Recipients, c.rcpts)
		}
		// Each unreadable message is named on stderr.
		if c.outcome == "unreadable" && !strings.Contains(stderr, filepath.Join(dir, c.name)+": ") {
			t.Errorf("%s: not named on stderr:\n%s", c.name, stderr)
		}
	}
	for pos, m := range got {
		t.Errorf("unexpected message %s: %+v", pos, m)
	}
	if sum.Read != len(cases) || sum.New != len(cases) || sum.BadPaths != 0 {
		t.Errorf("summary %+v for %d messages", sum, len(cases))
	}

	// A second run stores nothing new, tries the unreadable ones again and says so.
	code, stdout, stderr = cliWithin(t, 60*time.Second, "--db", db, "scan", "--json", dir)
	if code != 0 {
		t.Fatalf("second run: exit status %d\n%s", code, stderr)
	}
	sum = pipeline.IngestSummary{}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	if sum.New != 0 || sum.Read != len(cases) {
		t.Errorf("second run: %+v", sum)
	}
	if !strings.Contains(stderr, "too many levels of symbolic links") {
		t.Errorf("second run does not report the link loop again:\n%s", stderr)
	}
}

// largeShapes are ways to make a large message that a careless decoder handles in quadratic
// time or memory. make returns a message of about size bytes.
var largeShapes = []struct {
	name string
	make func(size int) []byte
}{
	{"text-part", func(size int) []byte { // a bounce with a huge explanation
		return padPart(composeDSN(1, "ann@example.org", ""), "This is the mail system", "word ", size)
	}},
	{"attachment-base64", func(size int) []byte { // the returned message, base64
		m := composeDSN(2, "bob@example.org", "")
		att := "\n--bound-2\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
		var b strings.Builder
		b.Grow(size)
		b.WriteString(strings.Replace(m, "--bound-2--", att[1:], 1))
		line := strings.Repeat("QUJD", 19) + "\n"
		for b.Len() < size {
			b.WriteString(line)
		}
		b.WriteString("--bound-2--\n")
		return []byte(b.String())
	}},
	{"one-line", func(size int) []byte { // no line end at all after the header
		return padPart(composeDSN(3, "cat@example.org", ""), "--bound-3--\n", "x", size)
	}},
	{"folded-header", func(size int) []byte { // one header field folded a million times
		var b strings.Builder
		b.WriteString("X-Folded: start\n")
		for b.Len() < size {
			b.WriteString(" fold\n")
		}
		return []byte(strings.Replace(composeDSN(4, "dan@example.org", ""), "Subject:", b.String()+"Subject:", 1))
	}},
	{"header-fields", func(size int) []byte { // many header fields
		var b strings.Builder
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, "Received: from host%d.example.net by mx.example.net\n", i)
		}
		return []byte(b.String() + composeDSN(5, "eve@example.org", ""))
	}},
	{"near-boundaries", func(size int) []byte { // lines that almost are a delimiter
		return padPart(composeDSN(6, "fay@example.org", ""), "This is the mail system", "--bound-6x\n", size)
	}},
	{"parts", func(size int) []byte { // tiny parts, far more than are kept
		return padPart(composeDSN(7, "gil@example.org", ""), "\n--bound-7\nContent-Type: text/rfc822-headers", "\n--bound-7\n\nx", size)
	}},
	{"recipients", func(size int) []byte { // one delivery status with a huge number of recipients
		var b strings.Builder
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, "\nFinal-Recipient: rfc822; user%d@example.org\nAction: failed\nStatus: 5.1.1\n", i)
		}
		return []byte(composeDSN(8, "hal@example.org", b.String()))
	}},
	{"cr-only", func(size int) []byte { // old Mac line ends
		m := strings.ReplaceAll(composeDSN(9, "ivy@example.org", ""), "\n", "\r")
		return padPart(m, "This is the mail system", "line\r", size)
	}},
	{"encoded-words", func(size int) []byte { // a subject of encoded words
		var b strings.Builder
		for b.Len() < size {
			b.WriteString(" =?utf-8?B?w6k=?=")
		}
		return []byte(strings.Replace(composeDSN(10, "jon@example.org", ""), "Subject: Undelivered Mail Returned to Sender", "Subject:"+b.String(), 1))
	}},
}

// padPart inserts copies of pad before the first occurrence of at in msg until the message is
// about size bytes.
func padPart(msg, at, pad string, size int) []byte {
	i := strings.Index(msg, at)
	if i < 0 {
		panic("padPart: " + at + " not found")
	}
	n := max(0, (size-len(msg))/len(pad))
	var b strings.Builder
	b.Grow(len(msg) + n*len(pad))
	b.WriteString(msg[:i])
	b.WriteString(strings.Repeat(pad, n))
	b.WriteString(msg[i:])
	return []byte(b.String())
}

// TestLargeMessages decodes large messages of several shapes, 5 MB and 50 MB each: each must
// be decoded, in time, and the 50 MB one may cost at most about ten times the 5 MB one (a
// quadratic decoder costs a hundred times). Then a 100 MB message is refused under the default
// limit and decoded with --max-message-size raised.
func TestLargeMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and decodes about 700 MB")
	}
	dir := t.TempDir()
	for _, shape := range largeShapes {
		var cost [2]time.Duration
		for i, size := range []int{5 << 20, 50 << 20} {
			path := filepath.Join(dir, fmt.Sprintf("%s-%dM.eml", shape.name, size>>20))
			writeFile(t, path, shape.make(size))
			cpu := cputime.Process()
			code, stdout, stderr := cliWithin(t, 60*time.Second, "parse", "--all", "--format", "jsonl", path)
			cost[i] = cputime.Process() - cpu
			if code != 0 || strings.Count(stdout, "\n") < 1 {
				t.Errorf("%s, %d MB: exit status %d, output %.200q\n%s", shape.name, size>>20, code, stdout, stderr)
			}
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s: %v CPU for 5 MB, %v for 50 MB", shape.name, cost[0], cost[1])
		if cost[1] > 25*max(cost[0], 200*time.Millisecond) {
			t.Errorf("%s: %v CPU for 50 MB, %v for 5 MB: worse than linear", shape.name, cost[1], cost[0])
		}
	}

	// 100 MB: too large by default, decoded with a higher limit.
	var huge bytes.Buffer
	huge.WriteString(composeDSN(1, "ann@example.org", ""))
	line := strings.Repeat("0123456789abcdef", 8) + "\n"
	for huge.Len() < 100<<20 {
		huge.WriteString(line)
	}
	path := filepath.Join(dir, "huge.eml")
	writeFile(t, path, huge.Bytes())
	huge = bytes.Buffer{}
	code, stdout, stderr := cliWithin(t, 60*time.Second, "parse", "--all", "--format", "jsonl", path)
	if code != exitFailure || !strings.Contains(stdout, `"outcome":"undecodable","why":"message too large: 104857`) {
		t.Errorf("100 MB under the default limit: exit status %d\n%.300s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = cliWithin(t, 60*time.Second, "parse", "--max-message-size", "128M", "--format", "jsonl", path)
	if code != 0 || !strings.Contains(stdout, `"recipient":"ann@example.org"`) {
		t.Errorf("100 MB with --max-message-size 128M: exit status %d\n%.300s\n%s", code, stdout, stderr)
	}
}

// TestMaxMessageSizeFlag checks the flag's syntax and that scan records a message over the
// limit as undecodable, and reads it under its ordinary key once the limit is raised.
func TestMaxMessageSizeFlag(t *testing.T) {
	var s sizeFlag
	for in, want := range map[string]int64{"1": 1, "512": 512, "64k": 64 << 10, "64K": 64 << 10,
		"2M": 2 << 20, "1g": 1 << 30, "10MB": 10 << 20, " 3M ": 3 << 20} {
		if err := s.Set(in); err != nil || int64(s) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, s, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "1.5M", "M", "1T", "ten", "99999999999G"} {
		if err := s.Set(in); err == nil {
			t.Errorf("Set(%q) accepted: %d", in, s)
		}
	}
	s = 64 << 20
	if s.String() != "64M" {
		t.Errorf("String() = %q", s.String())
	}

	dir := t.TempDir()
	md := filepath.Join(dir, "md")
	writeFile(t, filepath.Join(md, "new", "1700000001.M1P1.host"), padPart(composeDSN(1, "ann@example.org", ""), "This is", "more text\n", 2000))
	writeFile(t, filepath.Join(md, "new", "1700000002.M2P1.host"), []byte(composeText(2, "bob@example.org")))
	db := filepath.Join(dir, "rebound.db")
	code, _, stderr := cli(t, nil, "--db", db, "scan", "--max-message-size", "1K", md)
	if code != 0 || !strings.Contains(stderr, "message too large") {
		t.Fatalf("exit status %d\n%s", code, stderr)
	}
	got := readMessages(t, db)
	big := got[filepath.Join(md, "new", "1700000001.M1P1.host")]
	if big == nil || big.Outcome != "undecodable" || !strings.Contains(big.Error, "limit 1024; hint: raise --max-message-size") {
		t.Errorf("message over 1K: %+v", big)
	}
	code, stdout, stderr := cli(t, nil, "--db", db, "scan", "--json", md)
	if code != 0 || !strings.Contains(stdout, `"new":1,`) {
		t.Errorf("rescan with the default limit: exit status %d\n%s\n%s", code, stdout, stderr)
	}
	if m := readMessages(t, db)[filepath.Join(md, "new", "1700000001.M1P1.host")]; m == nil || m.Outcome != "bounce" ||
		m.Key != "1700000001.M1P1.host" || m.Earlier == nil || m.Earlier.Outcome != "undecodable" {
		t.Errorf("after raising the limit: %+v", m)
	}
	code, _, stderr = cli(t, nil, "--db", db, "scan", "--max-message-size", "0", md)
	if code != exitUsage || !strings.Contains(stderr, `invalid argument "0" for "--max-message-size"`) {
		t.Errorf("--max-message-size 0: exit status %d\n%s", code, stderr)
	}
}

// smallMaildir writes a maildir of n composed bounces and returns its path.
func smallMaildir(t testing.TB, dir string, n int) string {
	t.Helper()
	md := filepath.Join(dir, "maildir")
	for i := range n {
		writeFile(t, filepath.Join(md, "new", fmt.Sprintf("17000%05d.M%dP1.host", i, i)),
			[]byte(composeDSN(i, fmt.Sprintf("user%d@example.org", i), "")))
	}
	return md
}

// checkDatabaseError checks that a command failed with the database exit status, a
// "rebound: database PATH ..." line containing each of want, and exactly one hint line
// containing hint.
func checkDatabaseError(t *testing.T, code int, stderr string, want []string, hint string) {
	t.Helper()
	if code != exitDatabase {
		t.Errorf("exit status %d, want %d\n%s", code, exitDatabase, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "rebound: database ") || !strings.HasPrefix(lines[1], "hint: ") {
		t.Errorf("stderr is not an error line and a hint line:\n%s", stderr)
		return
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Errorf("error %q does not contain %q", lines[0], w)
		}
	}
	if !strings.Contains(lines[1], hint) {
		t.Errorf("hint %q does not contain %q", lines[1], hint)
	}
	if strings.Contains(lines[0], "hint:") {
		t.Errorf("hint repeated in the error line: %q", lines[0])
	}
}

// TestDatabaseFaults runs scan against unusable databases: each must fail with exit status 3,
// a clear error naming the database and a hint.
func TestDatabaseFaults(t *testing.T) {
	dir := t.TempDir()
	md := smallMaildir(t, dir, 3)
	scanInto := func(db string) (int, string) {
		code, _, stderr := cli(t, nil, "--db", db, "scan", "--quiet", md)
		return code, stderr
	}

	t.Run("garbage", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "rebound.db")
		junk := randomBytes(3, 8192)
		writeFile(t, db, junk)
		code, stderr := scanInto(db)
		checkDatabaseError(t, code, stderr, []string{db, "is not a sqlite database"}, "restore it from a backup first")
	})
	t.Run("damaged", func(t *testing.T) { // a SQLite header, then garbage
		db := filepath.Join(t.TempDir(), "rebound.db")
		junk := randomBytes(5, 8192)
		writeFile(t, db, append([]byte("SQLite format 3\x00"), junk...))
		code, stderr := scanInto(db)
		checkDatabaseError(t, code, stderr, []string{db, "is corrupt or not a sqlite database"}, "restore it from a backup first")
	})
	t.Run("truncated", func(t *testing.T) { // a real database cut in half
		db := filepath.Join(t.TempDir(), "rebound.db")
		if code, stderr := scanInto(db); code != 0 {
			t.Fatalf("first scan: %d\n%s", code, stderr)
		}
		b, err := os.ReadFile(db)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, db, b[:len(b)/2])
		code, stderr := scanInto(db)
		checkDatabaseError(t, code, stderr, []string{db, "corrupt"}, "restore it from a backup first")
	})
	t.Run("another program's", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "other.db")
		rw, err := sql.Open("sqlite", db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rw.Exec(`CREATE TABLE contacts (email TEXT)`); err != nil {
			t.Fatal(err)
		}
		rw.Close()
		code, stderr := scanInto(db)
		checkDatabaseError(t, code, stderr, []string{db, "another program"}, "--db")
	})
	t.Run("newer schema", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "rebound.db")
		if code, stderr := scanInto(db); code != 0 {
			t.Fatalf("first scan: %d\n%s", code, stderr)
		}
		rw, err := sql.Open("sqlite", db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rw.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)`); err != nil {
			t.Fatal(err)
		}
		rw.Close()
		code, stderr := scanInto(db)
		checkDatabaseError(t, code, stderr, []string{db, "newer rebound (schema 999"}, "upgrade rebound")
	})
	t.Run("folder", func(t *testing.T) {
		db := t.TempDir()
		code, stderr := scanInto(db)
		checkDatabaseError(t, code, stderr, []string{db, "is a folder"}, "--db")
	})
	t.Run("missing folders are created", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "a", "b", "c", "rebound.db")
		if code, stderr := scanInto(db); code != 0 {
			t.Fatalf("exit status %d\n%s", code, stderr)
		}
		if n := len(readMessages(t, db)); n != 3 {
			t.Errorf("%d messages stored", n)
		}
	})
	t.Run("folder that cannot be created", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		writeFile(t, file, []byte("x"))
		db := filepath.Join(file, "sub", "rebound.db")
		code, stderr := scanInto(db)
		checkDatabaseError(t, code, stderr, []string{db, "cannot be created", "not a directory"}, "writable")
	})
	t.Run("read-only file", func(t *testing.T) {
		if isRoot() {
			t.Skip("permissions do not stop root: see TestReadOnlyFilesystem")
		}
		db := filepath.Join(t.TempDir(), "rebound.db")
		if code, stderr := scanInto(db); code != 0 {
			t.Fatalf("first scan: %d\n%s", code, stderr)
		}
		if err := os.Chmod(db, 0o444); err != nil {
			t.Fatal(err)
		}
		code, stderr := scanInto(db)
		checkDatabaseError(t, code, stderr, []string{db, "cannot be written", "permission denied"}, "writable")
	})
}

// TestParseWriteError checks that parse fails when its output cannot be written (a full disk
// under a redirection) instead of exiting 0 with the output cut short.
func TestParseWriteError(t *testing.T) {
	dir := t.TempDir()
	md := smallMaildir(t, dir, 50)
	for _, format := range []string{"jsonl", "table"} {
		var stderr bytes.Buffer
		code := run([]string{"parse", "--format", format, md}, nil, failingWriter{}, &stderr)
		if code != exitFailure || !strings.Contains(stderr.String(), "write output: no space left on device") {
			t.Errorf("%s: exit status %d\n%s", format, code, stderr.String())
		}
	}
}

// failingWriter fails every write as a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestAdversarialOutput checks that text from a message cannot break the output of parse:
// JSONL stays one valid object per line whatever the recipient and diagnostic hold, and the
// table carries no control character but its line ends.
func TestAdversarialOutput(t *testing.T) {
	dir := t.TempDir()
	// adversarial.eml is a bounce whose recipient, diagnostic and subject hold terminal escape
	// sequences, newlines, quotes, commas, a leading '=', C1 controls, a bidi override and
	// invalid UTF-8. (A recipient with a comma is not taken for one address by the decoder.)
	adversarial, err := os.ReadFile(filepath.Join(hostileDir, "adversarial.eml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "evil\x1b[7m.eml")
	writeFile(t, path, adversarial)
	bad := filepath.Join(dir, "undecodable.eml")
	writeFile(t, bad, []byte("\xff\x1b[31m not a message\n"))

	code, stdout, stderr := cli(t, nil, "parse", "--all", "--format", "jsonl", path, bad)
	if code != 0 {
		t.Fatalf("jsonl: exit status %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	var recipients []string
	for i, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Errorf("line %d is not a JSON object: %v\n%q", i+1, err, line)
			continue
		}
		if r, ok := obj["recipient"].(string); ok {
			recipients = append(recipients, r)
		}
		for _, c := range []byte(line) {
			if c < 0x20 {
				t.Errorf("line %d holds a raw control byte %#x", i+1, c)
				break
			}
		}
	}
	// The decoder keeps the adversarial recipient as written today; whether it should is the
	// decoder's business: the output must survive it either way.
	if len(lines) != len(recipients)+1 || !slices.Contains(recipients, "plain@example.org") {
		t.Errorf("want the recipients and 1 undecodable message, got:\n%s", stdout)
	}
	for _, r := range recipients {
		if r != "plain@example.org" && r != "=evil\x1b[31m\"q\"\x07@example.org" {
			t.Errorf("recipient %q did not survive JSON", r)
		}
	}

	t.Setenv("COLUMNS", "1000") // no cell wrapped: one line per row
	code, stdout, stderr = cli(t, nil, "parse", "--all", path, bad)
	if code != 0 {
		t.Fatalf("table: exit status %d\n%s", code, stderr)
	}
	// The records' table (top border, header, rule, rows, bottom border), a blank line, a
	// title and the table of the message without a record.
	if strings.Count(stdout, "\n") != 4+len(recipients)+2+5 {
		t.Errorf("table lines broken:\n%s", stdout)
	}
	for _, r := range stdout {
		if r != '\n' && unsafeRune(r) || r == utf8.RuneError {
			t.Errorf("table holds %U:\n%q", r, stdout)
			break
		}
	}
	if !strings.Contains(stdout, `evil\x1b[7m.eml`) || len(recipients) == 2 && !strings.Contains(stdout, `=evil\x1b[31m"q"\x07@`) {
		t.Errorf("escape sequence not shown escaped:\n%s", stdout)
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain@example.org":    "plain@example.org",
		"Ünïcödé ✓":            "Ünïcödé ✓",
		"a\x1b[31mb":           `a\x1b[31mb`,
		"line\nbreak\r\ttab":   `line\nbreak\r\ttab`,
		"nul\x00del\x7f":       `nul\x00del\x7f`,
		"c1 \u009b csi":        `c1 \u009b csi`,
		"bidi \u202e x \u2066": `bidi \u202e x \u2066`,
		"bad \xff utf8":        `bad \xff utf8`,
		"replacement \ufffd":   "replacement \ufffd",
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// checkConsistent checks a database the way a crash or a full disk could break it: SQLite's
// integrity check, and every message with exactly its events. It opens the database for
// writing, as the next scan would, so that a WAL left by a killed process is recovered.
func checkConsistent(t testing.TB, path string) {
	t.Helper()
	u := url.URL{Scheme: "file", Path: path, RawQuery: "_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var integrity string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("%s: integrity check: %q %v", path, integrity, err)
	}
	var tables int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'messages'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables == 0 {
		return // killed before the first migration committed: an empty database, created again next run
	}
	for what, q := range map[string]string{
		"messages whose events are not all there": `SELECT count(*) FROM messages m
			WHERE recipients != (SELECT count(*) FROM events e WHERE e.message_key = m.key)`,
		"events without their message": `SELECT count(*) FROM events e
			WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.key = e.message_key)`,
		"duplicate (message_key, idx)": `SELECT count(*) FROM (SELECT message_key, idx FROM events
			GROUP BY message_key, idx HAVING count(*) > 1)`,
		"events numbered other than 1..n": `SELECT count(*) FROM events e
			WHERE idx < 1 OR idx > (SELECT recipients FROM messages m WHERE m.key = e.message_key)`,
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %s: %v", path, what, err)
		}
		if n != 0 {
			t.Errorf("%s: %d %s", path, n, what)
		}
	}
}

// readMessagesConsistent is checkConsistent and then readMessages.
func readMessagesConsistent(t testing.TB, path string) map[string]*storedMessage {
	t.Helper()
	checkConsistent(t, path)
	return readMessages(t, path)
}

// TestMessageDataIsInert guards the promise that nothing in a message is executed, fetched or
// used as a file path: the packages that handle message content import nothing that could
// (no os, os/exec, net/http, plugin...). classify also reads the user's rule files, so it may
// use os, but nothing that runs or fetches.
func TestMessageDataIsInert(t *testing.T) {
	forbidden := []string{"os/exec", "net", "net/http", "net/rpc", "net/smtp", "plugin", "syscall", "unsafe"}
	for pkg, alsoForbidden := range map[string][]string{
		"dsn": {"os"}, "scan": {"os"}, "address": {"os"}, "attrib": {"os"}, "classify": nil,
	} {
		bp, err := build.ImportDir(filepath.Join("..", "..", "internal", pkg), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range bp.Imports {
			if slices.Contains(forbidden, imp) || slices.Contains(alsoForbidden, imp) {
				t.Errorf("internal/%s imports %s", pkg, imp)
			}
		}
	}
}

// TestTruncatedCompressed: a compressed mailbox cut short (a copy interrupted, a rotation
// still being compressed) is named with the message being read in one "rebound: ..." line;
// the messages before the damage and the other paths are stored, and the exit status says a
// path was not read whole.
func TestTruncatedCompressed(t *testing.T) {
	dir := t.TempDir()
	var mbox strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&mbox, "From MAILER-DAEMON Mon Nov  9 10:00:00 2026\n%s\n", composeDSN(i, fmt.Sprintf("r%d@example.org", i), ""))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := io.WriteString(zw, mbox.String()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	cut, good := filepath.Join(dir, "bounces.1.gz"), filepath.Join(dir, "good.eml")
	writeFile(t, cut, gz.Bytes()[:gz.Len()/2])
	writeFile(t, good, []byte(composeDSN(9999, "ann@example.org", "")))
	db := filepath.Join(dir, "rebound.db")
	code, stdout, stderr := cli(t, nil, "--db", db, "scan", "--json", cut, good)
	if code != 4 {
		t.Fatalf("exit status %d, want 4\n%s", code, stderr)
	}
	var sum pipeline.IngestSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	before := sum.Read - 1 // the messages of the cut file read whole
	line := fmt.Sprintf("rebound: %s:%d: gzip: compressed data ends early (a truncated file, or one still being written)\n", cut, before+1)
	if before < 100 || sum.New != sum.Read || sum.BadPaths != 1 || !strings.Contains(stderr, line) {
		t.Errorf("summary %+v, stderr:\n%s\nwant the line %q", sum, stderr, line)
	}
	if got := readMessages(t, db); len(got) != sum.Read || got[good] == nil {
		t.Errorf("%d messages stored, want %d with %s", len(got), sum.Read, good)
	}
}
