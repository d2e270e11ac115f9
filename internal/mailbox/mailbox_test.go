package mailbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// walk runs Walk and returns what it yielded.
func walk(t testing.TB, opt Options, paths ...string) []Message {
	t.Helper()
	var got []Message
	if err := Walk(paths, opt, func(m Message) error { got = append(got, m); return nil }); err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return got
}

// messages drops checkpoints.
func messages(ms []Message) []Message {
	return slices.DeleteFunc(slices.Clone(ms), func(m Message) bool { return m.Checkpoint != nil })
}

// checkpoint returns the last checkpoint yielded, failing if there is none.
func checkpoint(t *testing.T, ms []Message) Checkpoint {
	t.Helper()
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Checkpoint != nil {
			if ms[i].Key != "" || ms[i].Err != nil || ms[i].Data != nil {
				t.Errorf("checkpoint message carries more than a checkpoint: %+v", ms[i])
			}
			return *ms[i].Checkpoint
		}
	}
	t.Fatal("no checkpoint yielded")
	return Checkpoint{}
}

func write(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func mboxKey(path string, off int64, data string) string {
	sum := sha256.Sum256([]byte(data))
	return path + ":" + strconv.FormatInt(off, 10) + ":" + hex.EncodeToString(sum[:8])
}

func fileKey(data string) string {
	sum := sha256.Sum256([]byte(data))
	return "sha256:" + hex.EncodeToString(sum[:])[:32]
}

func summary(ms []Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s key=%q off=%d err=%v data=%q\n", m.Position, m.Key, m.Offset, m.Err, m.Data)
	}
	return b.String()
}

func TestMbox(t *testing.T) {
	type want struct {
		off  int64
		data string
		err  string
	}
	tests := []struct {
		name string
		in   string
		want []want
	}{
		{"one LF", "From a@b Mon Mar  4 10:00:00 2024\nSubject: x\n\nbody\n\n",
			[]want{{0, "Subject: x\n\nbody\n", ""}}},
		{"two LF", "From a\nS: 1\n\nb1\n\nFrom b\nS: 2\n\nb2\n\n",
			[]want{{0, "S: 1\n\nb1\n", ""}, {17, "S: 2\n\nb2\n", ""}}},
		{"two CRLF", "From a\r\nS: 1\r\n\r\nb1\r\n\r\nFrom b\r\nS: 2\r\n\r\nb2\r\n\r\n",
			[]want{{0, "S: 1\r\n\r\nb1\r\n", ""}, {22, "S: 2\r\n\r\nb2\r\n", ""}}},
		{"mboxrd unquoting", "From a\nS: 1\n\n>From x\n>>From y\n> From z\n>Fromage\nFrom w\n\n",
			[]want{{0, "S: 1\n\nFrom x\n>From y\n> From z\n>Fromage\nFrom w\n", ""}}},
		{"From_ only after an empty line", "From a\nS: 1\n\nline\nFrom inside\n\n\nFrom b\nS: 2\n",
			[]want{{0, "S: 1\n\nline\nFrom inside\n\n", ""}, {32, "S: 2\n", ""}}},
		{"no final empty line", "From a\nS: 1\n",
			[]want{{0, "S: 1\n", ""}}},
		{"truncated line", "From a\nS: 1\n\nbo",
			[]want{{0, "S: 1\n\nbo", ""}}},
		{"From_ line alone", "From a\n",
			[]want{{0, "", "empty message"}}},
		{"From_ line without newline", "From a",
			[]want{{0, "", "empty message"}}},
		{"empty message in the middle", "From a\n\nFrom b\nS: 2\n\n",
			[]want{{0, "", "empty message"}, {8, "S: 2\n", ""}}},
		{"mixed line endings", "From a\r\nS: 1\n\r\nFrom b\nS: 2\r\n",
			[]want{{0, "S: 1\n", ""}, {15, "S: 2\r\n", ""}}},
		{"long lines", "From " + strings.Repeat("f", 70000) + "\nS: " + strings.Repeat("x", 70000) + "\n\n",
			[]want{{0, "S: " + strings.Repeat("x", 70000) + "\n", ""}}},
		{"long line going on with From", "From a\nS: 1\n\n" + strings.Repeat("y", bufSize) + "From inside\n" +
			strings.Repeat("z", bufSize) + ">From x\n\n",
			[]want{{0, "S: 1\n\n" + strings.Repeat("y", bufSize) + "From inside\n" + strings.Repeat("z", bufSize) + ">From x\n", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "mbox")
			write(t, path, tt.in)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			got := walk(t, Options{}, path)
			ms := messages(got)
			if len(ms) != len(tt.want) {
				t.Fatalf("got %d messages, want %d:\n%s", len(ms), len(tt.want), summary(ms))
			}
			for i, w := range tt.want {
				m := ms[i]
				if m.Position != path+":"+strconv.Itoa(i+1) || m.Path != path {
					t.Errorf("message %d: position %q path %q", i+1, m.Position, m.Path)
				}
				if m.Offset != w.off {
					t.Errorf("message %d: offset %d, want %d", i+1, m.Offset, w.off)
				}
				if !strings.HasPrefix(tt.in[m.Offset:], "From ") {
					t.Errorf("message %d: offset %d is not at a From_ line", i+1, m.Offset)
				}
				if string(m.Data) != w.data {
					t.Errorf("message %d: data %q, want %q", i+1, m.Data, w.data)
				}
				if k := mboxKey(path, w.off, w.data); m.Key != k {
					t.Errorf("message %d: key %q, want %q", i+1, m.Key, k)
				}
				if (m.Err == nil) != (w.err == "") || m.Err != nil && m.Err.Error() != w.err {
					t.Errorf("message %d: error %v, want %q", i+1, m.Err, w.err)
				}
				if !m.ModTime.Equal(fi.ModTime()) {
					t.Errorf("message %d: mod time %v, want %v", i+1, m.ModTime, fi.ModTime())
				}
			}
			cp := checkpoint(t, got)
			if cp.Count > len(ms) || cp.Offset > int64(len(tt.in)) {
				t.Errorf("checkpoint %+v beyond the file", cp)
			}
		})
	}
}

func TestMboxFixtures(t *testing.T) {
	tests := []struct {
		file      string
		positions int
		contains  []string // in the data of the last message
		absent    []string // in no message
	}{
		{"lf.mbox", 3, []string{"This is message 3."}, []string{"From MAILER-DAEMON"}},
		{"crlf.mbox", 2, []string{"\r\nFrom here, quoted\r\n"}, []string{"From MAILER-DAEMON", ">From"}},
		{"truncated.mbox", 2, []string{"Return-Path"}, []string{"From MAILER-DAEMON"}},
		{"single.eml", 0, []string{"could not be delivered"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("..", "..", "testdata", "mailbox", tt.file)
			ms := messages(walk(t, Options{}, path))
			want := max(tt.positions, 1)
			if len(ms) != want {
				t.Fatalf("got %d messages, want %d:\n%s", len(ms), want, summary(ms))
			}
			for i, m := range ms {
				if m.Err != nil {
					t.Errorf("%s: %v", m.Position, m.Err)
				}
				pos := path
				if tt.positions > 0 {
					pos = path + ":" + strconv.Itoa(i+1)
				}
				if m.Position != pos {
					t.Errorf("position %q, want %q", m.Position, pos)
				}
				for _, s := range tt.absent {
					if bytes.Contains(m.Data, []byte(s)) {
						t.Errorf("%s contains %q", m.Position, s)
					}
				}
			}
			last := ms[len(ms)-1].Data
			for _, s := range tt.contains {
				if !bytes.Contains(last, []byte(s)) {
					t.Errorf("last message lacks %q:\n%s", s, last)
				}
			}
		})
	}
	// lf.mbox: quoting removed one level, and a "From " line inside a paragraph stayed.
	ms := messages(walk(t, Options{}, "../../testdata/mailbox/lf.mbox"))
	for _, s := range []string{"\nFrom the desk", "\n>From quoted twice", "\nFrom inside a paragraph"} {
		if !bytes.Contains(ms[1].Data, []byte(s)) {
			t.Errorf("message 2 lacks %q:\n%s", s, ms[1].Data)
		}
	}
}

func TestMboxResume(t *testing.T) {
	msg := func(i int) string { return fmt.Sprintf("From a%d\nSubject: %d\n\nbody %d\n\n", i, i, i) }
	dir := t.TempDir()
	path := filepath.Join(dir, "mbox")
	write(t, path, msg(1)+msg(2))
	first := walk(t, Options{}, path)
	cp := checkpoint(t, first)
	if want := (Checkpoint{int64(len(msg(1) + msg(2))), 2, cp.Check}); cp != want || len(cp.Check) != 64 {
		t.Fatalf("checkpoint %+v, want %+v", cp, want)
	}
	resume := func(c Checkpoint) Options {
		return Options{Resume: func(p string) (Checkpoint, bool) {
			if p != path {
				t.Errorf("Resume(%q)", p)
			}
			return c, true
		}}
	}

	// Nothing new: no message, the same checkpoint.
	again := walk(t, resume(cp), path)
	if ms := messages(again); len(ms) != 0 {
		t.Errorf("resume without changes yielded:\n%s", summary(ms))
	}
	if c := checkpoint(t, again); c != cp {
		t.Errorf("checkpoint %+v, want %+v", c, cp)
	}

	// Appended messages: only they are read, numbering goes on.
	appendFile(t, path, msg(3)+msg(4))
	got := walk(t, resume(cp), path)
	ms := messages(got)
	if len(ms) != 2 || ms[0].Position != path+":3" || ms[1].Position != path+":4" {
		t.Fatalf("after append:\n%s", summary(ms))
	}
	if off := int64(len(msg(1) + msg(2))); ms[0].Offset != off || ms[0].Key != mboxKey(path, off, "Subject: 3\n\nbody 3\n") {
		t.Errorf("message 3: offset %d key %q", ms[0].Offset, ms[0].Key)
	}
	cp2 := checkpoint(t, got)
	if cp2.Count != 4 || cp2.Offset != int64(4*len(msg(1))) {
		t.Errorf("checkpoint after append %+v", cp2)
	}
	// The keys are those a full read gives.
	full := messages(walk(t, Options{}, path))
	if full[2].Key != ms[0].Key || full[3].Key != ms[1].Key {
		t.Errorf("keys differ from a full read:\n%s%s", summary(full), summary(ms))
	}

	// A rewritten file (a message removed in place) is read from the start.
	write(t, path, msg(2)+msg(3)+msg(4)+msg(5))
	ms = messages(walk(t, resume(cp2), path))
	if len(ms) != 4 || ms[0].Position != path+":1" || !bytes.Contains(ms[0].Data, []byte("body 2")) {
		t.Errorf("after rewrite:\n%s", summary(ms))
	}

	// A checkpoint beyond a truncated file, or with bad values, is ignored too.
	write(t, path, msg(1))
	for _, c := range []Checkpoint{cp2, {-1, 0, ""}, {int64(len(msg(1))), -1, cp.Check}} {
		if ms := messages(walk(t, resume(c), path)); len(ms) != 1 || ms[0].Position != path+":1" {
			t.Errorf("checkpoint %+v on a shorter file:\n%s", c, summary(ms))
		}
	}
}

// A message still being written (no final empty line) is read again by the next run.
func TestMboxResumeUnterminated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mbox")
	write(t, path, "From a\nS: 1\n\nbody 1\n\nFrom b\nS: 2\n\nbo")
	got := walk(t, Options{}, path)
	cp := checkpoint(t, got)
	if len(messages(got)) != 2 || cp.Offset != 21 || cp.Count != 1 {
		t.Fatalf("checkpoint %+v:\n%s", cp, summary(got))
	}
	appendFile(t, path, "dy 2\n\nFrom c\nS: 3\n\nbody 3\n\n")
	ms := messages(walk(t, Options{Resume: func(string) (Checkpoint, bool) { return cp, true }}, path))
	if len(ms) != 2 || ms[0].Position != path+":2" || string(ms[0].Data) != "S: 2\n\nbody 2\n" || ms[1].Position != path+":3" {
		t.Errorf("after completion:\n%s", summary(ms))
	}
}

func TestMaildir(t *testing.T) {
	md := filepath.Join(t.TempDir(), "Maildir")
	write(t, filepath.Join(md, "new", "1700000002.M2P1.host"), "Subject: 2\n\nnew\n")
	write(t, filepath.Join(md, "new", "1700000001.M1P1.host"), "Subject: 1\n\nnew\n")
	write(t, filepath.Join(md, "cur", "1700000000.M0P1.host:2,S"), "Subject: 0\n\ncur\n")
	write(t, filepath.Join(md, "cur", "1700000003.M3P1.host:2,"), "From x\n\nnot an mbox in a maildir\n")
	write(t, filepath.Join(md, "cur", ".hidden"), "Subject: hidden\n")
	write(t, filepath.Join(md, "tmp", "1700000009.M9P1.host"), "Subject: in delivery\n")
	write(t, filepath.Join(md, ".Sent", "cur", "1700000010.M1P1.host:2,S"), "Subject: sent\n")
	if err := os.Mkdir(filepath.Join(md, "cur", "subdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	ms := walk(t, Options{}, md)
	var keys, positions []string
	for _, m := range ms {
		if m.Err != nil {
			t.Errorf("%s: %v", m.Position, m.Err)
		}
		keys = append(keys, m.Key)
		positions = append(positions, strings.TrimPrefix(m.Position, md+"/"))
		if m.ModTime.IsZero() || m.Path != m.Position {
			t.Errorf("%s: mod time %v, path %q", m.Position, m.ModTime, m.Path)
		}
	}
	wantKeys := []string{"1700000001.M1P1.host", "1700000002.M2P1.host", "1700000000.M0P1.host", "1700000003.M3P1.host"}
	wantPos := []string{"new/1700000001.M1P1.host", "new/1700000002.M2P1.host", "cur/1700000000.M0P1.host:2,S", "cur/1700000003.M3P1.host:2,"}
	if !slices.Equal(keys, wantKeys) || !slices.Equal(positions, wantPos) {
		t.Fatalf("keys %q positions %q\nwant %q %q", keys, positions, wantKeys, wantPos)
	}
	if string(ms[3].Data) != "From x\n\nnot an mbox in a maildir\n" {
		t.Errorf("maildir file read as %q", ms[3].Data)
	}

	// A mail client moves the new messages to cur/ and changes flags: the keys stay.
	rename := func(from, to string) {
		if err := os.Rename(filepath.Join(md, from), filepath.Join(md, to)); err != nil {
			t.Fatal(err)
		}
	}
	rename("new/1700000001.M1P1.host", "cur/1700000001.M1P1.host:2,")
	rename("new/1700000002.M2P1.host", "cur/1700000002.M2P1.host:2,RS")
	rename("cur/1700000000.M0P1.host:2,S", "cur/1700000000.M0P1.host:2,")
	var after []string
	for _, m := range walk(t, Options{}, md) {
		after = append(after, m.Key)
	}
	slices.Sort(after)
	slices.Sort(wantKeys)
	if !slices.Equal(after, wantKeys) {
		t.Errorf("keys after renames %q, want %q", after, wantKeys)
	}
}

func TestMaildirKnown(t *testing.T) {
	md := t.TempDir()
	var want []string
	for i := range 2500 {
		name := fmt.Sprintf("17000%05d.M%dP1.host", i, i)
		write(t, filepath.Join(md, "cur", name+":2,S"), fmt.Sprintf("Subject: %d\n\nbody\n", i))
		if i%7 == 0 {
			want = append(want, name)
		}
	}
	// A known message is not opened: this one could not be.
	if err := os.MkdirAll(filepath.Join(md, "new"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/nonexistent/message", filepath.Join(md, "new", "0000.dangling")); err != nil {
		t.Fatal(err)
	}
	var calls []int
	known := func(keys []string) (map[string]bool, error) {
		calls = append(calls, len(keys))
		k := map[string]bool{}
		for _, key := range keys {
			if key == "0000.dangling" {
				k[key] = true
			} else if n, _ := strconv.Atoi(key[5:10]); n%7 != 0 {
				k[key] = true
			}
		}
		return k, nil
	}
	var got []string
	for _, m := range walk(t, Options{Known: known}, md) {
		if m.Err != nil {
			t.Errorf("%s: %v", m.Position, m.Err)
		}
		got = append(got, m.Key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %d keys, want %d (%q...)", len(got), len(want), got[:min(3, len(got))])
	}
	if !slices.Equal(calls, []int{1, 1000, 1000, 500}) {
		t.Errorf("Known batches %v", calls)
	}

	// Not known, the dangling link is reported with a failure key made from its key.
	ms := walk(t, Options{Known: func([]string) (map[string]bool, error) { return nil, nil }}, md)
	if ms[0].Key != "failed:0000.dangling" || ms[0].Err == nil || ms[0].Position != filepath.Join(md, "new", "0000.dangling") {
		t.Errorf("dangling maildir entry: %+v", ms[0])
	}

	// An error from Known stops the walk.
	boom := errors.New("database is locked")
	err := Walk([]string{md}, Options{Known: func([]string) (map[string]bool, error) { return nil, boom }},
		func(Message) error { return nil })
	if !errors.Is(err, boom) {
		t.Errorf("Walk with a failing Known: %v", err)
	}
}

func TestFolder(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "b.eml"), "Subject: b\n\nb\n")
	write(t, filepath.Join(root, "a"), "Subject: a\n\na\n")
	write(t, filepath.Join(root, ".hidden.eml"), "Subject: hidden\n")
	write(t, filepath.Join(root, ".git", "config"), "[core]\n")
	write(t, filepath.Join(root, "c", "d.eml"), "Subject: d\n\nd\n")
	write(t, filepath.Join(root, "c", "box.mbox"), "From x\nSubject: m1\n\nm1\n\nFrom y\nSubject: m2\n\nm2\n\n")
	write(t, filepath.Join(root, "c", "md", "new", "k1"), "Subject: k1\n\nk1\n")
	write(t, filepath.Join(root, "e.eml"), "") // an empty mbox: nothing (TestEmptyFiles)
	// Link loops and links to directories are not followed; links to files are.
	for link, target := range map[string]string{"c/loop": "..", "self": ".", "zlink.eml": "a", "dangling": "missing"} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan []Message)
	go func() { done <- walk(t, Options{}, root) }()
	var ms []Message
	select {
	case ms = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("walk did not end: link loop followed?")
	}
	ms = messages(ms)
	type row struct{ pos, key, err string }
	var got []row
	for _, m := range ms {
		r := row{pos: strings.TrimPrefix(m.Position, root+"/"), key: m.Key}
		if m.Err != nil {
			r.err = m.Err.Error()
		}
		got = append(got, r)
	}
	box := filepath.Join(root, "c", "box.mbox")
	want := []row{
		{"a", fileKey("Subject: a\n\na\n"), ""},
		{"b.eml", fileKey("Subject: b\n\nb\n"), ""},
		{"c/box.mbox:1", mboxKey(box, 0, "Subject: m1\n\nm1\n"), ""},
		{"c/box.mbox:2", mboxKey(box, 24, "Subject: m2\n\nm2\n"), ""},
		{"c/d.eml", fileKey("Subject: d\n\nd\n"), ""},
		{"c/md/new/k1", "k1", ""},
		{"dangling", "failed:" + filepath.Join(root, "dangling"), "stat: no such file or directory"},
		{"zlink.eml", fileKey("Subject: a\n\na\n"), ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
}

// TestEmptyFiles: a file that is empty or holds only blank lines (logrotate's "create" leaves
// an empty one) is an mbox of no message, given alone, in a folder, on standard input or
// compressed; an empty file of a maildir is a message delivered empty.
func TestEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	empty, blank := filepath.Join(dir, "bounces"), filepath.Join(dir, "blank.mbox")
	write(t, empty, "")
	write(t, blank, "\n \r\n\t\n")
	write(t, filepath.Join(dir, "folder", "bounces"), "")
	write(t, filepath.Join(dir, "folder", "bounces.1.gz"), string(gzipped(t, "")))
	for _, paths := range [][]string{{empty}, {blank}, {filepath.Join(dir, "folder")}} {
		if ms := walk(t, Options{}, paths...); len(ms) != 0 {
			t.Errorf("%s:\n%s", paths, summary(ms))
		}
	}
	for _, in := range []string{"", "\n\n", string(gzipped(t, "")), string(xzed(t, ""))} {
		if ms := walk(t, Options{Stdin: strings.NewReader(in)}, "-"); len(ms) != 0 {
			t.Errorf("standard input %q:\n%s", in, summary(ms))
		}
	}
	// Rotated to empty and written again: read from the start.
	var cp Checkpoint
	resume := Options{Resume: func(string) (Checkpoint, bool) { return cp, cp.Offset > 0 }}
	write(t, empty, "From a\nSubject: 1\n\n")
	cp = checkpoint(t, walk(t, resume, empty))
	write(t, empty, "")
	if ms := walk(t, resume, empty); len(ms) != 0 {
		t.Errorf("emptied mbox:\n%s", summary(ms))
	}
	write(t, empty, "From b\nSubject: 2\n\n")
	if ms := messages(walk(t, resume, empty)); len(ms) != 1 || string(ms[0].Data) != "Subject: 2\n" {
		t.Errorf("mbox written again:\n%s", summary(ms))
	}
	// A maildir's files are messages: maildir delivery is atomic, so this one came empty.
	md := filepath.Join(dir, "md")
	write(t, filepath.Join(md, "new", "1700000000.M1.host"), "")
	if ms := walk(t, Options{}, md); len(ms) != 1 || ms[0].Err != ErrEmpty || ms[0].Key != "1700000000.M1.host" {
		t.Errorf("empty maildir message:\n%s", summary(ms))
	}
}

func TestPaths(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.eml")
	write(t, one, "Subject: one\n\n")
	missing := filepath.Join(dir, "missing")
	ms := walk(t, Options{}, missing, one, dir+"/nodir/x.mbox")
	if len(ms) != 3 {
		t.Fatalf("got:\n%s", summary(ms))
	}
	if m := ms[0]; m.Key != "" || m.Position != missing || m.Err == nil ||
		m.Err.Error() != "open "+missing+": no such file or directory" || !errors.Is(m.Err, fs.ErrNotExist) {
		t.Errorf("missing path: %+v", m)
	}
	if m := ms[1]; m.Err != nil || m.Key != fileKey("Subject: one\n\n") || m.Position != one || string(m.Data) != "Subject: one\n\n" {
		t.Errorf("single file: %+v", m)
	}
	if ms[2].Err == nil || ms[2].Key != "" {
		t.Errorf("second missing path: %+v", ms[2])
	}

	// Standard input, as an mbox or as one message.
	ms = walk(t, Options{Stdin: strings.NewReader("From a\nS: 1\n\nFrom b\nS: 2\n")}, "-")
	if len(ms) != 2 || ms[0].Position != "-:1" || ms[1].Position != "-:2" || ms[1].Path != "-" ||
		ms[1].Key != mboxKey("-", 13, "S: 2\n") || !ms[0].ModTime.IsZero() {
		t.Errorf("stdin mbox (and no checkpoint):\n%s", summary(ms))
	}
	ms = walk(t, Options{Stdin: strings.NewReader("S: 1\n\nbody\n")}, "-")
	if len(ms) != 1 || ms[0].Position != "-" || ms[0].Key != fileKey("S: 1\n\nbody\n") || string(ms[0].Data) != "S: 1\n\nbody\n" {
		t.Errorf("stdin message:\n%s", summary(ms))
	}

	// An error from yield stops the walk and is returned.
	stop := errors.New("stop")
	n := 0
	err := Walk([]string{one, one, one}, Options{}, func(Message) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("Walk returned %v after %d messages", err, n)
	}
}

func TestKnownFile(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.eml"), filepath.Join(dir, "b.eml")
	write(t, a, "Subject: a\n")
	write(t, b, "Subject: b\n")
	fa, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{
		KnownFile: func(path string, size int64, mtime time.Time) (string, bool) {
			if path == a && size == fa.Size() && mtime.Equal(fa.ModTime()) {
				return fileKey("Subject: a\n"), true
			}
			return "", false
		},
		Known: func(keys []string) (map[string]bool, error) {
			return map[string]bool{fileKey("Subject: a\n"): true}, nil
		},
	}
	for _, paths := range [][]string{{dir}, {a, b}} {
		ms := walk(t, opt, paths...)
		if len(ms) != 1 || ms[0].Position != b {
			t.Errorf("Walk(%q):\n%s", paths, summary(ms))
		}
	}
	// Changed since: read again.
	write(t, a, "Subject: a, changed\n")
	if ms := walk(t, opt, dir); len(ms) != 2 {
		t.Errorf("after a change:\n%s", summary(ms))
	}
}

func TestMaxMessageSize(t *testing.T) {
	dir := t.TempDir()
	big := "Subject: big\n\n" + strings.Repeat("x", 100) + "\n"
	single := filepath.Join(dir, "big.eml")
	write(t, single, big)
	box := filepath.Join(dir, "box")
	write(t, box, "From a\nS: 1\n\nFrom b\n"+big+"\nFrom c\nS: 3\n")
	ms := messages(walk(t, Options{MaxMessageSize: 50}, single, box))
	limitErr := fmt.Sprintf("message too large: %d bytes, limit 50; hint: raise --max-message-size", len(big))
	if len(ms) != 4 {
		t.Fatalf("got:\n%s", summary(ms))
	}
	if m := ms[0]; m.Err == nil || m.Err.Error() != limitErr || m.Key != "failed:"+single || m.Data != nil {
		t.Errorf("big file: %s", summary(ms[:1]))
	}
	if m := ms[2]; m.Err == nil || m.Err.Error() != limitErr || m.Key != "failed:"+mboxKey(box, 13, big) || m.Position != box+":2" || m.Data != nil {
		t.Errorf("big mbox message: %s", summary(ms[2:3]))
	}
	if string(ms[1].Data) != "S: 1\n" || string(ms[3].Data) != "S: 3\n" || ms[3].Position != box+":3" {
		t.Errorf("neighbours of the big message:\n%s", summary(ms))
	}
	// The same message fits under the default limit, and then has its ordinary key.
	if ms := messages(walk(t, Options{}, single)); ms[0].Err != nil || ms[0].Key != fileKey(big) {
		t.Errorf("default limit: %s", summary(ms))
	}

	// Standard input has no size: it is read (and hashed) to its end.
	ms = walk(t, Options{MaxMessageSize: 50, Stdin: strings.NewReader(big)}, "-")
	if len(ms) != 1 || ms[0].Err == nil || ms[0].Err.Error() != limitErr || ms[0].Key != "failed:"+fileKey(big) {
		t.Errorf("big message on stdin:\n%s", summary(ms))
	}
	// A maildir message over the limit keeps its maildir key after the prefix.
	md := filepath.Join(dir, "md")
	write(t, filepath.Join(md, "new", "1700000000.M1P1.host"), big)
	ms = walk(t, Options{MaxMessageSize: 50}, md)
	if len(ms) != 1 || !errors.Is(ms[0].Err, ErrTooLarge) || ms[0].Key != "failed:1700000000.M1P1.host" {
		t.Errorf("big maildir message:\n%s", summary(ms))
	}
}

// TestTooLargeNotRead checks that a file known to be over the limit is not read at all: a
// sparse file of 1 TiB is reported at once with its size.
func TestTooLargeNotRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.eml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 40); err != nil {
		f.Close()
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	start := time.Now()
	ms := messages(walk(t, Options{}, path))
	if len(ms) != 1 || !errors.Is(ms[0].Err, ErrTooLarge) || ms[0].Key != "failed:"+path ||
		!strings.Contains(ms[0].Err.Error(), strconv.FormatInt(1<<40, 10)+" bytes") {
		t.Errorf("huge file:\n%s", summary(ms))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("reporting a huge file took %v: was it read?", d)
	}
}

// TestUnreadableEntries checks that files of a folder or maildir that cannot be read are
// reported as messages with a failure key, that the walk goes on, and that a failure key is
// never the ordinary key, so that the message is tried again once it can be read.
func TestUnreadableEntries(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a.eml"), "Subject: a\n\na\n")
	write(t, filepath.Join(root, "z.eml"), "Subject: z\n\nz\n")
	md := filepath.Join(root, "md")
	write(t, filepath.Join(md, "new", "1700000001.M1P1.host"), "Subject: 1\n\n1\n")
	for link, target := range map[string]string{"loop1": "loop2", "loop2": "loop1", "md/new/1700000000.M0P1.host": "self"} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("1700000000.M0P1.host", filepath.Join(md, "new", "self")); err != nil {
		t.Fatal(err)
	}
	if err := syscallMkfifo(filepath.Join(root, "fifo")); err != nil {
		t.Logf("no FIFO: %v", err)
	}
	locked := filepath.Join(root, "locked.eml")
	write(t, locked, "Subject: locked\n\nlocked\n")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	canRead := false
	if f, err := os.Open(locked); err == nil { // root reads it all the same
		f.Close()
		canRead = true
	}

	done := make(chan []Message, 1)
	go func() { done <- walk(t, Options{}, root) }()
	var ms []Message
	select {
	case ms = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("walk did not end: blocked on a FIFO or a link loop?")
	}
	ms = messages(ms)
	byPos := map[string]Message{}
	for _, m := range ms {
		byPos[strings.TrimPrefix(m.Position, root+"/")] = m
		if m.Key == "" {
			t.Errorf("%s: no key (a path-level error): %v", m.Position, m.Err)
		}
		if (m.Err != nil) != strings.HasPrefix(m.Key, FailedPrefix) {
			t.Errorf("%s: key %q with error %v", m.Position, m.Key, m.Err)
		}
		if m.Err != nil && strings.Contains(m.Err.Error(), root) { // the position names the file
			t.Errorf("%s: error %q repeats the path", m.Position, m.Err)
		}
	}
	want := map[string]string{ // position: part of the error, "" for none
		"a.eml": "", "z.eml": "", "md/new/1700000001.M1P1.host": "",
		"loop1": "too many levels of symbolic links", "loop2": "too many levels of symbolic links",
		"md/new/1700000000.M0P1.host": "too many levels of symbolic links",
		"md/new/self":                 "too many levels of symbolic links",
	}
	if _, err := os.Lstat(filepath.Join(root, "fifo")); err == nil {
		want["fifo"] = "not a regular file"
	}
	if canRead {
		want["locked.eml"] = ""
		t.Log("running as root: the unreadable file is read all the same")
	} else {
		want["locked.eml"] = "permission denied"
	}
	for pos, errText := range want {
		m, ok := byPos[pos]
		switch {
		case !ok:
			t.Errorf("%s: not yielded", pos)
		case errText == "" && m.Err != nil:
			t.Errorf("%s: %v", pos, m.Err)
		case errText != "" && (m.Err == nil || !strings.Contains(m.Err.Error(), errText)):
			t.Errorf("%s: error %v, want %q", pos, m.Err, errText)
		}
	}
	if len(ms) != len(want) {
		t.Errorf("got %d messages, want %d:\n%s", len(ms), len(want), summary(ms))
	}
	if m := byPos["md/new/1700000000.M0P1.host"]; m.Key != "failed:1700000000.M0P1.host" {
		t.Errorf("maildir failure key %q", m.Key)
	}
	if m := byPos["loop1"]; m.Key != "failed:"+filepath.Join(root, "loop1") {
		t.Errorf("folder failure key %q", m.Key)
	}

	// Known failure keys do not hide the message: it is read again, and once it can be read it
	// comes with its ordinary key.
	knownFailed := func(keys []string) (map[string]bool, error) {
		k := map[string]bool{}
		for _, key := range keys {
			if strings.HasPrefix(key, FailedPrefix) {
				k[key] = true
			}
		}
		return k, nil
	}
	if err := os.Remove(filepath.Join(md, "new", "self")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(md, "new", "self"), "Subject: fixed\n\n")
	for _, m := range walk(t, Options{Known: knownFailed}, md) {
		if strings.HasSuffix(m.Position, "1700000000.M0P1.host") && (m.Err != nil || m.Key != "1700000000.M0P1.host") {
			t.Errorf("fixed maildir message: %s", summary([]Message{m}))
		}
	}
}

// TestMboxMemory reads a 64 MiB mbox and checks that the heap stays small.
func TestMboxMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 64 MiB")
	}
	path := filepath.Join(t.TempDir(), "big.mbox")
	n := writeMbox(t, path, 64<<20)
	runtime.GC() // drop the buffer writeMbox used
	checkWalkHeap(t, path, n, "a 64 MiB mbox")
}

// checkWalkHeap walks path, which holds n messages, and fails if the heap in use goes over
// 32 MiB.
func checkWalkHeap(t *testing.T, path string, n int, what string) {
	t.Helper()
	var peak uint64
	var st runtime.MemStats
	count := 0
	err := Walk([]string{path}, Options{}, func(m Message) error {
		if m.Checkpoint == nil {
			count++
		}
		if count%2000 == 0 {
			runtime.ReadMemStats(&st)
			peak = max(peak, st.HeapInuse)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Errorf("read %d messages, wrote %d", count, n)
	}
	if peak > 32<<20 {
		t.Errorf("heap in use reached %d MiB reading %s", peak>>20, what)
	}
}

// writeMbox writes an mbox of about size bytes of small bounce-like messages and returns the
// number of messages.
func writeMbox(t testing.TB, path string, size int) int {
	t.Helper()
	var b bytes.Buffer
	n := 0
	for b.Len() < size {
		n++
		fmt.Fprintf(&b, "From MAILER-DAEMON Mon Mar  4 10:00:00 2024\nFrom: MAILER-DAEMON@mx.example.net\n"+
			"To: news@example.com\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <%d@mx.example.net>\n\n"+
			"<user%d@example.org>: host mx.example.org said: 550 5.1.1 user unknown\n>From the postmaster\n\n", n, n)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCorpus reads the shared corpus when it is there: nothing may fail or crash.
func TestCorpus(t *testing.T) {
	root := "../../../shared/corpus/sisimai"
	if _, err := os.Stat(root); err != nil {
		t.Skip("no shared corpus")
	}
	bsd := filepath.Join(root, "maildir", "bsd")
	files, err := os.ReadDir(bsd)
	if err != nil {
		t.Fatal(err)
	}
	ms := messages(walk(t, Options{}, bsd)) // some files are one-message mboxes
	paths := map[string]bool{}
	for _, m := range ms {
		paths[m.Path] = true
		if m.Err != nil {
			t.Errorf("%s: %v", m.Position, m.Err)
		}
	}
	if len(ms) < len(files) || len(paths) != len(files) {
		t.Errorf("%s: %d messages in %d files for %d files", bsd, len(ms), len(paths), len(files))
	}
	ms = messages(walk(t, Options{}, filepath.Join(root, "mailbox"), filepath.Join(root, "maildir", "err")))
	if len(ms) < 10 {
		t.Errorf("only %d messages in mailbox/ and maildir/err/", len(ms))
	}
	for _, m := range ms {
		if m.Err != nil && m.Err != ErrEmpty {
			t.Errorf("%s: %v", m.Position, m.Err)
		}
		if bytes.HasPrefix(m.Data, []byte("From ")) {
			t.Errorf("%s starts with a From_ line", m.Position)
		}
	}
}

func FuzzMbox(f *testing.F) {
	seeds, _ := filepath.Glob("../../testdata/mailbox/*")
	hostile, _ := filepath.Glob("../../testdata/hostile/*")
	for _, s := range append(seeds, hostile...) {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("From a\n\nFrom b\r\n>From c\n\n\nFrom "))
	dir := f.TempDir() // one file rewritten by each run: a folder per run is slow to make
	f.Fuzz(func(t *testing.T, data []byte) {
		var ms []Message
		err := Walk([]string{"-"}, Options{Stdin: bytes.NewReader(data), MaxMessageSize: 256},
			func(m Message) error { ms = append(ms, m); return nil })
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(bytes.NewReader(data))
		if sniff(br) != nil {
			return // compressed: FuzzCompressed
		}
		blank := len(data) <= checkWindow && len(bytes.Trim(data, " \t\r\n")) == 0
		if blank != (len(ms) == 0) {
			t.Fatalf("blank input %v, yielded:\n%s", blank, summary(ms))
		}
		if blank {
			return // an mbox of no message
		}
		if lead, ok, _ := mboxStart(br, false); !ok || crOnlyFromLine(br, lead) > 0 {
			if len(ms) != 1 || ms[0].Position != "-" {
				t.Fatalf("single message read as:\n%s", summary(ms))
			}
			return
		}
		last, total := int64(-1), 0
		for i, m := range ms {
			if m.Offset <= last || m.Offset >= int64(len(data)) {
				t.Fatalf("message %d at offset %d after %d (input %d bytes)", i+1, m.Offset, last, len(data))
			}
			last = m.Offset
			if !bytes.HasPrefix(data[m.Offset:], []byte("From ")) {
				t.Fatalf("message %d: offset %d is not at a From_ line", i+1, m.Offset)
			}
			if m.Position != "-:"+strconv.Itoa(i+1) || m.Key == "" {
				t.Fatalf("message %d: position %q key %q", i+1, m.Position, m.Key)
			}
			if m.Err == nil && len(m.Data) > 256 || m.Err != nil && m.Data != nil {
				t.Fatalf("message %d: %d bytes, error %v", i+1, len(m.Data), m.Err)
			}
			total += len(m.Data)
		}
		if total > len(data) {
			t.Fatalf("%d bytes of messages from %d bytes of input", total, len(data))
		}

		// Read from a file, then resumed from its checkpoint: at most the last message again.
		path := filepath.Join(dir, "mbox")
		write(t, path, string(data))
		full := walk(t, Options{MaxMessageSize: 256}, path)
		cp := checkpoint(t, full)
		if n := len(messages(full)); n != len(ms) || cp.Count > n || cp.Count < n-1 || cp.Offset > int64(len(data)) {
			t.Fatalf("%d messages from a file, %d from stdin, checkpoint %+v", n, len(ms), cp)
		}
		again := messages(walk(t, Options{Resume: func(string) (Checkpoint, bool) { return cp, true }}, path))
		if len(again) > 1 || len(again) == 1 && again[0].Position != path+":"+strconv.Itoa(cp.Count+1) {
			t.Fatalf("resumed at %+v:\n%s", cp, summary(again))
		}
	})
}

func BenchmarkMboxRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.mbox")
	n := writeMbox(b, path, 20000*290) // about 20k messages
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for b.Loop() {
		count := 0
		err := Walk([]string{path}, Options{}, func(m Message) error {
			if m.Err != nil {
				return m.Err
			}
			count++
			return nil
		})
		if err != nil || count != n+1 {
			b.Fatalf("read %d messages (+1 checkpoint), want %d: %v", count, n, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkMaildirRead is the reader's share of a maildir scan: listing new/ and opening,
// reading and closing each of its files (5,000 messages of 4.5 KB, about the size of a real
// bounce), as scan and parse do on their single reading goroutine.
func BenchmarkMaildirRead(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "Maildir")
	const n = 5000
	body := strings.Repeat("The message could not be delivered to one or more recipients.\n", 70)
	for i := range n {
		write(b, filepath.Join(dir, "new", fmt.Sprintf("%d.M%dP1.host", 1700000000+i, i)),
			fmt.Sprintf("From: MAILER-DAEMON@example.org\nSubject: bounce %d\n\n%s", i, body))
	}
	if err := os.MkdirAll(filepath.Join(dir, "cur"), 0o755); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		count := 0
		err := Walk([]string{dir}, Options{}, func(m Message) error {
			if m.Err != nil {
				return m.Err
			}
			count++
			Release(&m) // as scan's workers do once a message is decoded
			return nil
		})
		if err != nil || count != n {
			b.Fatalf("read %d messages, want %d: %v", count, n, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// TestReleaseRecycles reads a maildir whose files shrink and grow, releasing each message as
// scan does: a recycled buffer must hold exactly the next file (no byte of a longer one read
// before it), and buffers must be recycled at all (what spares the garbage collector).
func TestReleaseRecycles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Maildir")
	sizes := []int{3000, 1000, 4000, 10, 2500, 5000, 4096, 4095, 300000, 7000, 1, 8192}
	var want []string
	for i, n := range sizes {
		body := strings.Repeat(string(rune('a'+i)), n)
		want = append(want, body)
		write(t, filepath.Join(dir, "new", fmt.Sprintf("%d.M%dP1.host", 1700000000+i, i)), body)
	}
	for round := range 3 {
		i, reused := 0, 0
		seen := map[*byte]bool{}
		err := Walk([]string{dir}, Options{}, func(m Message) error {
			if m.Err != nil {
				return m.Err
			}
			if string(m.Data) != want[i] {
				t.Errorf("round %d, message %d: %d bytes %.10q..., want %d bytes %.10q...", round, i+1, len(m.Data), m.Data, len(want[i]), want[i])
			}
			if p := &m.Data[:1][0]; seen[p] {
				reused++
			} else {
				seen[p] = true
			}
			i++
			Release(&m)
			if m.Data != nil {
				t.Errorf("message %d: Data kept after Release", i)
			}
			return nil
		})
		if err != nil || i != len(sizes) {
			t.Fatalf("round %d: read %d messages, want %d: %v", round, i, len(sizes), err)
		}
		if runtime.GOOS == "linux" && reused == 0 {
			t.Errorf("round %d: no buffer recycled in %d messages", round, i)
		}
	}
}
