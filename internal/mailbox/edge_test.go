package mailbox

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// settle dates path two hours back, as a file no one writes to any more.
func settle(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// mboxSource is a way to read the same mbox.
type mboxSource struct {
	name string
	opt  Options
	path string
}

// sources reads in from the file path (which holds it), from standard input, and gzipped.
func sources(t *testing.T, path, in string) []mboxSource {
	return []mboxSource{{"file", Options{}, path}, {"stdin", Options{Stdin: strings.NewReader(in)}, "-"},
		{"gzip", Options{Stdin: bytes.NewReader(gzipped(t, in))}, "-"}}
}

// Blank lines before the first From_ line (left by some exporters and by hand editing) do not
// make an mbox a single message.
func TestMboxLeadingBlankLines(t *testing.T) {
	for _, lead := range []string{"\n", "\r\n", "\n\n \t\n", "   \r\n\n"} {
		in := lead + "From a\nS: 1\n\nb1\n\nFrom b\nS: 2\n\nb2\n\n"
		path := filepath.Join(t.TempDir(), "mbox")
		write(t, path, in)
		for _, src := range sources(t, path, in) {
			got := walk(t, src.opt, src.path)
			ms := messages(got)
			if len(ms) != 2 || string(ms[0].Data) != "S: 1\n\nb1\n" || string(ms[1].Data) != "S: 2\n\nb2\n" {
				t.Fatalf("lead %q, %s:\n%s", lead, src.name, summary(ms))
			}
			if ms[0].Offset != int64(len(lead)) || !strings.HasPrefix(in[ms[1].Offset:], "From b") {
				t.Errorf("lead %q, %s: offsets %d, %d", lead, src.name, ms[0].Offset, ms[1].Offset)
			}
			if src.name == "file" {
				if cp := checkpoint(t, got); cp.Offset != int64(len(in)) || cp.Count != 2 {
					t.Errorf("lead %q: checkpoint %+v", lead, cp)
				}
			}
		}
	}
	// Blank lines before a message that does not start with a From_ line: one message.
	ms := messages(walk(t, Options{Stdin: strings.NewReader("\n\nSubject: x\n\nFrom a\n")}, "-"))
	if len(ms) != 1 || ms[0].Position != "-" {
		t.Errorf("single message with leading blank lines:\n%s", summary(ms))
	}
}

// A From_ line longer than 4 KB (a long envelope sender, or a mangled line) is one From_ line,
// whether it comes first, later, in a compressed stream or at a checkpoint.
func TestMboxLongFromLine(t *testing.T) {
	long := "From " + strings.Repeat("x", 5000) + "@example.org Mon Mar  4 10:00:00 2024\n"
	long2 := "From " + strings.Repeat("y", 70000) + "\n"
	in := long + "S: 1\n\nb1\n\n" + long2 + "S: 2\n\nb2\nFrom inside\n\n" + long + "S: 3\n\nb3\n\n"
	path := filepath.Join(t.TempDir(), "mbox")
	write(t, path, in)
	for _, src := range []struct {
		name string
		opt  Options
		path string
	}{{"file", Options{}, path}, {"zstd", Options{Stdin: bytes.NewReader(zstded(t, in))}, "-"}} {
		ms := messages(walk(t, src.opt, src.path))
		if len(ms) != 3 || string(ms[0].Data) != "S: 1\n\nb1\n" || string(ms[1].Data) != "S: 2\n\nb2\nFrom inside\n" ||
			string(ms[2].Data) != "S: 3\n\nb3\n" {
			t.Fatalf("%s:\n%s", src.name, summary(ms))
		}
	}
	first := walk(t, Options{}, path)
	cp := Checkpoint{Offset: messages(first)[1].Offset, Count: 1}
	cp.Check, _ = checksum(mustOpen(t, path), cp.Offset)
	ms := messages(walk(t, Options{Resume: func(string) (Checkpoint, bool) { return cp, true }}, path))
	if len(ms) != 2 || ms[0].Position != path+":2" || string(ms[0].Data) != "S: 2\n\nb2\nFrom inside\n" {
		t.Errorf("resumed at a long From_ line:\n%s", summary(ms))
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// mboxcl2 (Solaris and SVR4 mail, some MDAs): a Content-Length header gives the body's length,
// and From_ lines inside the body are neither separators nor quoted. A Content-Length that does
// not lead to the next From_ line (or the end) is ignored.
func TestMboxContentLength(t *testing.T) {
	body1 := "Forwarded:\n\nFrom someone Mon Mar  4 10:00:00 2024\n>From quoted stays\nend\n"
	msg1 := fmt.Sprintf("Subject: 1\nContent-Length: %d\n\n%s", len(body1), body1)
	body2 := "b2\r\n\r\nFrom x\r\n"
	msg2 := fmt.Sprintf("Subject: 2\r\ncontent-length:  %d \r\n\r\n%s", len(body2), body2)
	msg3 := "Subject: 3\nContent-Length: 0\n\n"
	in := "From a\n" + msg1 + "\nFrom b\r\n" + msg2 + "\r\nFrom c\n" + msg3 + "\n"
	path := filepath.Join(t.TempDir(), "mbox")
	write(t, path, in)
	want := []string{msg1, msg2, msg3}
	for _, src := range sources(t, path, in) {
		got := walk(t, src.opt, src.path)
		ms := messages(got)
		if len(ms) != len(want) {
			t.Fatalf("%s: %d messages, want %d:\n%s", src.name, len(ms), len(want), summary(ms))
		}
		for i, w := range want {
			if string(ms[i].Data) != w {
				t.Errorf("%s: message %d\n got %q\nwant %q", src.name, i+1, ms[i].Data, w)
			}
		}
		if src.name == "file" {
			if cp := checkpoint(t, got); cp.Count != 3 || cp.Offset != int64(len(in)) {
				t.Errorf("checkpoint %+v", cp)
			}
		}
	}

	// The last message of a file without the final empty line, and one directly followed by
	// the next From_ line.
	in = "From a\nContent-Length: 8\n\nFrom x\n\nFrom b\nContent-Length: 7\n\nFrom y\n"
	ms := messages(walk(t, Options{Stdin: strings.NewReader(in)}, "-"))
	if len(ms) != 2 || string(ms[0].Data) != "Content-Length: 8\n\nFrom x\n\n" || string(ms[1].Data) != "Content-Length: 7\n\nFrom y\n" {
		t.Errorf("counted bodies up to a From_ line and the end:\n%s", summary(ms))
	}

	// Wrong lengths (stale, too long, not a number) are ignored: From_ lines separate.
	for _, cl := range []string{"3", "10", "100000", "-1", "x", "99999999999999999999"} {
		in := "From a\nContent-Length: " + cl + "\n\nbody\n\nFrom b\nS: 2\n\nFrom c\nS: 3\n\n"
		ms := messages(walk(t, Options{Stdin: strings.NewReader(in)}, "-"))
		if len(ms) != 3 || string(ms[0].Data) != "Content-Length: "+cl+"\n\nbody\n" {
			t.Errorf("Content-Length %s:\n%s", cl, summary(ms))
		}
	}

	// A long body is counted in a regular file; in a stream, a length beyond the read buffer
	// cannot be checked and is ignored.
	big := strings.Repeat("line of a long original message\n", 4000) + "\nFrom inside\n"
	in = fmt.Sprintf("From a\nContent-Length: %d\n\n%s\nFrom b\nS: 2\n\n", len(big), big)
	write(t, path, in)
	if ms := messages(walk(t, Options{}, path)); len(ms) != 2 || !strings.HasSuffix(string(ms[0].Data), "\nFrom inside\n") {
		t.Errorf("long counted body in a file: %d messages", len(ms))
	}
	if ms := messages(walk(t, Options{Stdin: strings.NewReader(in)}, "-")); len(ms) != 3 {
		t.Errorf("long counted body in a stream: %d messages, want 3 (From_ lines separate)", len(ms))
	}
}

// An mbox being appended to while it is read: the partial last message is not yielded when the
// caller keeps checkpoints, and the next run reads it whole, once.
func TestMboxAppendedWhileRead(t *testing.T) {
	msg := func(i int) string { return fmt.Sprintf("From a%d\nSubject: %d\n\nbody %d\n\n", i, i, i) }
	path := filepath.Join(t.TempDir(), "mbox")
	partial := "From a3\nSubject: 3\n\nbo"
	write(t, path, msg(1)+msg(2)+partial)
	var cp Checkpoint
	have := false
	opt := Options{Resume: func(string) (Checkpoint, bool) { return cp, have }}
	got := walk(t, opt, path)
	ms := messages(got)
	if len(ms) != 2 {
		t.Fatalf("partial message yielded:\n%s", summary(ms))
	}
	cp, have = checkpoint(t, got), true
	if cp.Offset != int64(len(msg(1)+msg(2))) || cp.Count != 2 {
		t.Fatalf("checkpoint %+v, want before the partial message", cp)
	}
	appendFile(t, path, strings.TrimPrefix(msg(3), partial)+msg(4))
	got = walk(t, opt, path)
	ms = messages(got)
	if len(ms) != 2 || ms[0].Position != path+":3" || string(ms[0].Data) != "Subject: 3\n\nbody 3\n" || ms[1].Position != path+":4" {
		t.Fatalf("after completion:\n%s", summary(ms))
	}

	// A file left alone for long: its unterminated last message is complete, and read.
	write(t, path, msg(1)+"From a2\nSubject: 2\n\nbody 2")
	settle(t, path)
	have = false
	if ms := messages(walk(t, opt, path)); len(ms) != 2 || string(ms[1].Data) != "Subject: 2\n\nbody 2" {
		t.Errorf("settled file:\n%s", summary(ms))
	}
	// Without checkpoints (parse, explain) there is no next run: it is read at once.
	write(t, path, msg(1)+partial)
	if ms := messages(walk(t, Options{}, path)); len(ms) != 2 {
		t.Errorf("without checkpoints:\n%s", summary(ms))
	}

	// A writer's dotlock: even a message that looks complete is left for the next run.
	write(t, path, msg(1)+msg(2))
	settle(t, path)
	write(t, path+".lock", "")
	if ms := messages(walk(t, opt, path)); len(ms) != 1 {
		t.Errorf("dotlocked mbox:\n%s", summary(ms))
	}
	os.Remove(path + ".lock")
	if ms := messages(walk(t, opt, path)); len(ms) != 2 {
		t.Errorf("unlocked mbox:\n%s", summary(ms))
	}
}

// A writer appending messages in pieces, under the mbox's lock, while runs follow one another:
// every message is yielded exactly once, whole, and in order.
func TestMboxConcurrentAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mbox")
	write(t, path, "Fr") // a writer has started
	const n = 300
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		for i := 1; i <= n; i++ {
			m := fmt.Sprintf("From a%d\nSubject: %d\n\nbody %d\n%s\n\n", i, i, i, strings.Repeat("z", i))
			if i == 1 {
				m = m[2:]
			}
			// Take the dotlock as MTAs do, and write the message in pieces (some ending with
			// an empty line, which alone does not tell that a message is complete).
			lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err != nil {
				t.Error(err)
				return
			}
			lock.Close()
			for len(m) > 0 {
				k := min(len(m), 1+i%23)
				if j := strings.Index(m, "\n\n"); j >= 0 && i%2 == 0 {
					k = j + 2
				}
				f.WriteString(m[:k])
				m = m[k:]
			}
			os.Remove(path + ".lock")
		}
	}()
	var cp Checkpoint
	have := false
	opt := Options{Resume: func(string) (Checkpoint, bool) { return cp, have }}
	var all []Message
	runs := 0
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		got := walk(t, opt, path)
		all = append(all, messages(got)...)
		prev := cp
		if len(got) == 0 || got[len(got)-1].Checkpoint == nil {
			data, _ := os.ReadFile(path)
			wg.Wait()
			t.Fatalf("run %d: no checkpoint:\n%sfile %q", runs, summary(got), data)
		}
		cp, have = checkpoint(t, got), true
		if ms := messages(got); len(ms) > 0 && ms[0].Position != fmt.Sprintf("%s:%d", path, prev.Count+1) {
			t.Logf("run %d resumed at %+v gave:\n%s", runs, prev, summary(ms[:1]))
		}
		runs++
	}
	t.Logf("%d runs while the writer wrote", runs)
	// The last message: once the file has been left alone (or as soon as a run can tell it is
	// complete).
	settle(t, path)
	got := walk(t, opt, path)
	all = append(all, messages(got)...)
	if len(all) != n {
		t.Fatalf("%d messages yielded for %d written", len(all), n)
	}
	for i, m := range all {
		want := fmt.Sprintf("Subject: %d\n\nbody %d\n%s\n", i+1, i+1, strings.Repeat("z", i+1))
		if string(m.Data) != want || m.Position != fmt.Sprintf("%s:%d", path, i+1) {
			t.Fatalf("message %d: %q at %s", i+1, m.Data, m.Position)
		}
	}
}

// FuzzMboxContentLength builds mboxcl2 files from any two bodies and header lines: with correct
// Content-Lengths each body comes back byte for byte, whatever From_ lines it holds, from a
// file and from a stream; with the lengths shifted by delta, the walk still ends and every
// message offset is at a From_ line.
func FuzzMboxContentLength(f *testing.F) {
	f.Add([]byte("From x\n\n>From y\n"), []byte("b2\r\n"), "Subject: s", int64(0))
	f.Add([]byte(""), []byte("\nFrom \n\n"), "X: y\r", int64(3))
	f.Add([]byte("From a\nContent-Length: 1\n\n"), []byte("z"), "Content-Length: 7", int64(-2))
	if data, err := os.ReadFile(fixture("lf.mbox")); err == nil {
		f.Add(data, data[:100], "From: a", int64(1))
	}
	dir := f.TempDir() // one file rewritten by each run: a folder per run is slow to make
	f.Fuzz(func(t *testing.T, body1, body2 []byte, header string, delta int64) {
		if strings.ContainsAny(header, "\n") || len(body1) > 60000 || len(body2) > 60000 {
			t.Skip()
		}
		var in bytes.Buffer
		var want [][]byte
		for _, body := range [][]byte{body1, body2} {
			msg := fmt.Sprintf("H: %s\nContent-Length: %d\n\n%s", header, int64(len(body))+delta, body)
			want = append(want, []byte(msg))
			in.WriteString("From a\n" + msg + "\n")
		}
		data := in.Bytes()
		path := filepath.Join(dir, "mbox")
		write(t, path, string(data))
		for _, src := range []struct {
			opt  Options
			path string
		}{{Options{}, path}, {Options{Stdin: bytes.NewReader(data)}, "-"}} {
			ms := messages(walk(t, src.opt, src.path))
			for i, m := range ms {
				if m.Offset >= int64(len(data)) || !bytes.HasPrefix(data[m.Offset:], []byte("From ")) {
					t.Fatalf("message %d at offset %d, not a From_ line", i+1, m.Offset)
				}
			}
			if delta != 0 {
				continue
			}
			if len(ms) != 2 {
				t.Fatalf("%s: %d messages, want 2:\n%s", src.path, len(ms), summary(ms))
			}
			for i := range want {
				if !bytes.Equal(ms[i].Data, want[i]) {
					t.Fatalf("%s: message %d\n got %q\nwant %q", src.path, i+1, ms[i].Data, want[i])
				}
			}
		}
	})
}
