package mailbox

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

func gzipped(t testing.TB, data string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func xzed(t testing.TB, data string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := xz.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstded(t testing.TB, data string) []byte {
	t.Helper()
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	return zw.EncodeAll([]byte(data), nil)
}

func fixture(name string) string { return filepath.Join("..", "..", "testdata", "mailbox", name) }

// Each compressed fixture gives the messages of the file it was made from, with the same data,
// offsets and numbering: only the path differs.
func TestCompressedFixtures(t *testing.T) {
	for _, tt := range []struct{ compressed, plain string }{
		{"lf.mbox.gz", "lf.mbox"},
		{"crlf.mbox.bz2", "crlf.mbox"},
		{"lf.mbox.xz", "lf.mbox"},
		{"crlf.mbox.zst", "crlf.mbox"},
		{"single.eml.gz", "single.eml"},
	} {
		t.Run(tt.compressed, func(t *testing.T) {
			want := messages(walk(t, Options{}, fixture(tt.plain)))
			got := messages(walk(t, Options{}, fixture(tt.compressed)))
			if len(got) != len(want) {
				t.Fatalf("%d messages, want %d:\n%s", len(got), len(want), summary(got))
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.Err != nil || !bytes.Equal(g.Data, w.Data) || g.Offset != w.Offset {
					t.Errorf("message %d:\n%swant\n%s", i+1, summary(got[i:i+1]), summary(want[i:i+1]))
				}
				wantPos := strings.Replace(w.Position, fixture(tt.plain), fixture(tt.compressed), 1)
				if g.Position != wantPos {
					t.Errorf("message %d: position %q, want %q", i+1, g.Position, wantPos)
				}
			}
			if strings.HasSuffix(tt.plain, ".eml") && got[0].Key != want[0].Key {
				t.Errorf("a compressed single message is keyed %q, uncompressed %q: the key is its content's", got[0].Key, want[0].Key)
			}
		})
	}
}

// The format is told by the content, not by the name: a rotated mbox gzipped without a ".gz"
// suffix is read as an mbox, and an uncompressed file named ".gz" too; so is compressed
// standard input, and a compressed maildir message (Dovecot's mail_compress plugin).
func TestCompressedByContent(t *testing.T) {
	dir := t.TempDir()
	mbox := "From a\nSubject: 1\n\nbody 1\n\nFrom b\nSubject: 2\n\nbody 2\n\n"
	write(t, filepath.Join(dir, "bounces.2"), string(gzipped(t, mbox)))
	write(t, filepath.Join(dir, "plain.gz"), mbox)
	for _, name := range []string{"bounces.2", "plain.gz"} {
		ms := messages(walk(t, Options{}, filepath.Join(dir, name)))
		if len(ms) != 2 || string(ms[1].Data) != "Subject: 2\n\nbody 2\n" {
			t.Errorf("%s:\n%s", name, summary(ms))
		}
	}

	ms := messages(walk(t, Options{Stdin: bytes.NewReader(xzed(t, mbox))}, "-"))
	if len(ms) != 2 || ms[0].Position != "-:1" || string(ms[0].Data) != "Subject: 1\n\nbody 1\n" {
		t.Errorf("xz on standard input:\n%s", summary(ms))
	}

	md := filepath.Join(dir, "Maildir")
	msg := "Subject: compressed\n\nbody\n"
	write(t, filepath.Join(md, "cur", "1700000000.M1P1.host:2,S"), string(zstded(t, msg)))
	write(t, filepath.Join(md, "new", "1700000001.M1P1.host"), msg)
	ms = messages(walk(t, Options{}, md))
	if len(ms) != 2 || string(ms[0].Data) != msg || string(ms[1].Data) != msg || ms[1].Key != "1700000000.M1P1.host" {
		t.Errorf("maildir:\n%s", summary(ms))
	}
}

// A folder of rotated files, some compressed in each format, is read whole.
func TestRotatedFolder(t *testing.T) {
	dir := t.TempDir()
	msg := func(i int) string { return fmt.Sprintf("From a%d\nSubject: %d\n\nbody %d\n\n", i, i, i) }
	write(t, filepath.Join(dir, "bounces"), msg(1)+msg(2))
	write(t, filepath.Join(dir, "bounces.1"), msg(3)+msg(4))
	write(t, filepath.Join(dir, "bounces.2.gz"), string(gzipped(t, msg(5)+msg(6))))
	write(t, filepath.Join(dir, "bounces.3.xz"), string(xzed(t, msg(7))))
	write(t, filepath.Join(dir, "bounces.4.zst"), string(zstded(t, msg(8))))
	bz, err := os.ReadFile(fixture("crlf.mbox.bz2"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "bounces.5.bz2"), string(bz))
	ms := messages(walk(t, Options{}, dir))
	var subjects []string
	for _, m := range ms {
		if m.Err != nil {
			t.Errorf("%s: %v", m.Position, m.Err)
		}
		subjects = append(subjects, strings.SplitN(string(m.Data), "\n", 2)[0])
	}
	want := "Subject: 1,Subject: 2,Subject: 3,Subject: 4,Subject: 5,Subject: 6,Subject: 7,Subject: 8," +
		"Return-Path: <>\r,Return-Path: <>\r"
	if got := strings.Join(subjects, ","); got != want {
		t.Errorf("read %s\nwant %s", got, want)
	}
	if ms[4].Position != filepath.Join(dir, "bounces.2.gz")+":1" {
		t.Errorf("position %q", ms[4].Position)
	}
}

// A compressed mbox yields a checkpoint at the end of what it holds; the next run with it reads
// nothing again, and reads only the new messages of a gzip member appended to it ("gzip >>").
// A checkpoint that no longer matches starts the file over.
func TestCompressedResume(t *testing.T) {
	msg := func(i int) string { return fmt.Sprintf("From a%d\nSubject: %d\n\nbody %d\n\n", i, i, i) }
	path := filepath.Join(t.TempDir(), "bounces.1.gz")
	write(t, path, string(gzipped(t, msg(1)+msg(2))))
	first := walk(t, Options{}, path)
	cp := checkpoint(t, first)
	plain := filepath.Join(t.TempDir(), "plain")
	write(t, plain, msg(1)+msg(2))
	if want := checkpoint(t, walk(t, Options{}, plain)); cp != want {
		t.Errorf("checkpoint %+v, want %+v (as for the uncompressed file)", cp, want)
	}
	resume := func(c Checkpoint) Options {
		return Options{Resume: func(string) (Checkpoint, bool) { return c, true }}
	}
	if ms := messages(walk(t, resume(cp), path)); len(ms) != 0 {
		t.Errorf("unchanged file read again:\n%s", summary(ms))
	}

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(gzipped(t, msg(3)))
	f.Close()
	got := walk(t, resume(cp), path)
	ms := messages(got)
	if len(ms) != 1 || ms[0].Position != path+":3" || string(ms[0].Data) != "Subject: 3\n\nbody 3\n" {
		t.Fatalf("after appending a member:\n%s", summary(ms))
	}
	full := messages(walk(t, Options{}, path))
	if len(full) != 3 || full[2].Key != ms[0].Key {
		t.Errorf("keys differ from a full read:\n%s", summary(full))
	}
	if cp2 := checkpoint(t, got); cp2.Count != 3 || cp2.Offset != int64(len(msg(1)+msg(2)+msg(3))) {
		t.Errorf("checkpoint %+v", cp2)
	}

	write(t, path, string(gzipped(t, msg(4)+msg(5)+msg(6))))
	if ms := messages(walk(t, resume(cp), path)); len(ms) != 3 || ms[0].Position != path+":1" {
		t.Errorf("rewritten file:\n%s", summary(ms))
	}
	write(t, path, string(gzipped(t, msg(1))))
	if ms := messages(walk(t, resume(cp), path)); len(ms) != 1 || ms[0].Position != path+":1" {
		t.Errorf("shorter file:\n%s", summary(ms))
	}
}

// Damaged compressed data gives an error naming the file, the message being read and the
// format, after the messages read before it; a file that is not what its magic bytes say too.
func TestCompressedDamaged(t *testing.T) {
	dir := t.TempDir()
	var mbox strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&mbox, "From a%d\nSubject: %d\n\nbody %d %s\n\n", i, i, i, strings.Repeat("x", i%97))
	}
	gz := gzipped(t, mbox.String())
	trunc := filepath.Join(dir, "bounces.2.gz")
	write(t, trunc, string(gz[:len(gz)/2]))
	got := walk(t, Options{}, trunc)
	last := got[len(got)-1]
	at := fmt.Sprintf("%s:%d", trunc, len(got)) // the message being read when the data ended
	if len(got) < 100 || last.Key != "" || last.Position != at ||
		fmt.Sprint(last.Err) != at+": gzip: compressed data ends early (a truncated file, or one still being written)" {
		t.Fatalf("truncated gzip gave %d messages, last %+v", len(got), last)
	}
	for _, m := range got[:len(got)-1] {
		if m.Err != nil || m.Checkpoint != nil {
			t.Fatalf("before the error: %+v", m)
		}
	}
	// Cut before a first message is read (the xz and zstd decoders give nothing of a block
	// cut short): the error names the file.
	for _, tt := range []struct {
		name string
		data []byte
	}{{"head.gz", gz[:20]}, {"cut.xz", xzed(t, mbox.String())}, {"cut.zst", zstded(t, mbox.String())}} {
		cut := filepath.Join(dir, tt.name)
		write(t, cut, string(tt.data[:len(tt.data)/2]))
		format := map[string]string{".gz": "gzip", ".xz": "xz", ".zst": "zstd"}[filepath.Ext(cut)]
		if ms := walk(t, Options{}, cut); len(ms) != 1 || ms[0].Position != cut ||
			fmt.Sprint(ms[0].Err) != cut+": "+format+": compressed data ends early (a truncated file, or one still being written)" {
			t.Errorf("%s:\n%s", tt.name, summary(ms))
		}
	}

	// An xz stream header and nothing else, and files cut inside the first block header (the
	// decoder reads both as a stream that ends there): each is reported, never an empty mailbox.
	whole := xzed(t, mbox.String())
	for cut := 12; cut < 24; cut++ {
		stub := filepath.Join(dir, fmt.Sprintf("stub%d.xz", cut))
		write(t, stub, string(whole[:cut]))
		if ms := walk(t, Options{}, stub); len(ms) != 1 || !strings.HasPrefix(fmt.Sprint(ms[0].Err), stub+": xz: compressed data ends early") {
			t.Errorf("xz file cut after %d bytes:\n%s", cut, summary(ms))
		}
	}
	empty := filepath.Join(dir, "empty.xz") // a whole xz file of nothing: an empty mailbox
	write(t, empty, string(xzed(t, "")))
	if ms := walk(t, Options{}, empty); len(ms) != 0 {
		t.Errorf("whole empty xz file:\n%s", summary(ms))
	}

	bad := filepath.Join(dir, "folder", "bad.xz")
	write(t, bad, "\xfd7zXZ\x00 not xz at all")
	write(t, filepath.Join(dir, "folder", "ok"), "Subject: ok\n\nbody\n")
	ms := walk(t, Options{}, filepath.Join(dir, "folder"))
	if len(ms) != 2 || ms[0].Key != FailedPrefix+bad || !strings.HasPrefix(fmt.Sprint(ms[0].Err), "xz: ") || ms[1].Err != nil {
		t.Errorf("bad xz in a folder:\n%s", summary(ms))
	}
}

// An xz file that asks for a dictionary over the bound is refused before it is allocated.
func TestXZDictionaryBound(t *testing.T) {
	for _, tt := range []struct {
		dict int
		ok   bool
	}{{8 << 20, true}, {64 << 20, true}, {256 << 20, false}} {
		var b bytes.Buffer
		zw, err := xz.WriterConfig{DictCap: tt.dict}.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write([]byte("Subject: x\n\nbody\n"))
		zw.Close()
		ms := walk(t, Options{Stdin: &b}, "-")
		if ok := len(ms) == 1 && ms[0].Err == nil; ok != tt.ok {
			t.Errorf("dictionary %d MiB: %s", tt.dict>>20, summary(ms))
		}
		if !tt.ok && !strings.Contains(fmt.Sprint(ms[0].Err), "dictionary of 256 MiB") {
			t.Errorf("error %v", ms[0].Err)
		}
	}
}

// TestCompressedMemory reads a gzip mbox that holds 64 MiB and checks that the heap stays
// small, as for an uncompressed one.
func TestCompressedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 64 MiB")
	}
	plain := filepath.Join(t.TempDir(), "big.mbox")
	n := writeMbox(t, plain, 64<<20)
	path := plain + ".gz"
	in, err := os.Open(plain)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestSpeed)
	if _, err := io.Copy(zw, in); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	out.Close()
	in.Close()
	runtime.GC()
	checkWalkHeap(t, path, n, "a gzip mbox of 64 MiB")
}

func TestSniff(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
	}{
		{"\x1f\x8b\x08\x00", "gzip"},
		{"\x1f\x8b\x07\x00", ""}, // not deflate
		{"\xfd7zXZ\x00\x00", "xz"},
		{"\x28\xb5\x2f\xfd\x00", "zstd"},
		{"BZh91AY&SY\x00", "bzip2"},
		{"BZh9\x17\x72\x45\x38\x50\x90", "bzip2"},
		{"BZh9 is how this text starts", ""},
		{"From a\n", ""},
		{"", ""},
	} {
		c := sniff(bufio.NewReader(strings.NewReader(tt.in)))
		got := ""
		if c != nil {
			got = c.name
		}
		if got != tt.want {
			t.Errorf("sniff(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzCompressed feeds each decompressor, through the magic bytes, with damaged and hostile
// data: every walk ends, with messages no larger than the limit and an error rather than a
// crash for what cannot be decompressed.
func FuzzCompressed(f *testing.F) {
	for _, name := range []string{"lf.mbox.gz", "crlf.mbox.bz2", "lf.mbox.xz", "crlf.mbox.zst", "single.eml.gz"} {
		if data, err := os.ReadFile(fixture(name)); err == nil {
			f.Add(data)
		}
	}
	f.Add(gzipped(f, "From a\nContent-Length: 5\n\nFrom \n\nFrom b\n\n"))
	f.Add(zstded(f, strings.Repeat("From a\n\n", 100)))
	dir := f.TempDir() // one file rewritten by each run: a folder per run is slow to make
	// Windows and dictionaries of up to 1 MiB: the decoders allocate (and clear) what a header
	// asks for, and mutated headers ask for the most, which only slows the fuzzer down.
	xzDict, zstdWindow := maxXZDict, maxZstdWindow
	maxXZDict, maxZstdWindow = 1<<20, 1<<20
	f.Cleanup(func() { maxXZDict, maxZstdWindow = xzDict, zstdWindow })
	f.Fuzz(func(t *testing.T, data []byte) {
		content := data // what the walk reads: blank content is a mailbox of no message
		if c := sniff(bufio.NewReader(bytes.NewReader(data))); c != nil {
			// A few bytes can decompress to gigabytes: reading them is right but slow, and
			// would stall the fuzzer. Inputs that hold over 4 MiB are left out.
			zr, err := c.open(bytes.NewReader(data))
			content = nil
			if err == nil {
				var buf bytes.Buffer
				n, err := io.CopyN(&buf, zr, 4<<20+1)
				zr.Close()
				if n > 4<<20 {
					t.Skip("holds over 4 MiB")
				}
				if err == io.EOF {
					content = buf.Bytes()
				}
			}
		}
		var ms []Message
		err := Walk([]string{"-"}, Options{Stdin: bytes.NewReader(data), MaxMessageSize: 4096},
			func(m Message) error { ms = append(ms, m); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 && (content == nil || len(bytes.TrimSpace(content)) > 0) {
			t.Fatal("nothing yielded")
		}
		for i, m := range ms {
			if len(m.Data) > 4096 {
				t.Fatalf("message %d: %d bytes over the limit", i+1, len(m.Data))
			}
			if m.Position != "-" && m.Position != "-:"+strconv.Itoa(i+1) {
				t.Fatalf("message %d: position %q", i+1, m.Position)
			}
		}
		// The same bytes as a maildir file: one message, the file's bytes or what they
		// decompress to (whole_linux.go reads the file in one go).
		mail := filepath.Join(dir, "Maildir", "new", "1.fuzz:2,")
		write(t, mail, string(data))
		got := walk(t, Options{MaxMessageSize: 4096}, filepath.Join(dir, "Maildir"))
		plain := content
		if sniff(bufio.NewReader(bytes.NewReader(data))) == nil {
			plain = data
		}
		switch m := got[0]; {
		case len(got) != 1 || m.Key != "1.fuzz" && m.Key != FailedPrefix+"1.fuzz":
			t.Fatalf("maildir file:\n%s", summary(got))
		case plain == nil || len(plain) > 4096:
			if m.Err == nil {
				t.Fatalf("maildir file: %d bytes read, no error", len(m.Data))
			}
		case len(plain) == 0 && !errors.Is(m.Err, ErrEmpty), len(plain) > 0 && (m.Err != nil || !bytes.Equal(m.Data, plain)):
			t.Fatalf("maildir file: %d bytes read (error %v), want %d", len(m.Data), m.Err, len(plain))
		}
		if sniff(bufio.NewReader(bytes.NewReader(data))) != nil {
			// Read from a file and resumed from its checkpoint: nothing new.
			path := filepath.Join(dir, "z")
			write(t, path, string(data))
			got := walk(t, Options{MaxMessageSize: 4096}, path)
			for _, m := range got {
				if m.Checkpoint == nil {
					continue
				}
				cp := *m.Checkpoint
				again := messages(walk(t, Options{MaxMessageSize: 4096,
					Resume: func(string) (Checkpoint, bool) { return cp, true }}, path))
				if len(again) > 0 {
					t.Fatalf("resumed at %+v:\n%s", cp, summary(again))
				}
			}
		}
	})
}
