package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)

// goldenRows cover the awkward cases: formula-like cells, commas, quotes, line breaks, a long
// diagnostic, non-UTC times, unsorted input.
func goldenRows() []Row {
	return []Row{
		{Email: "zoe@example.org", State: bounce.StatePaused, Decision: bounce.Event{Type: bounce.TypeSoft, Reason: "mailboxfull", Status: "4.2.2", ReplyCode: "452", Provider: "gmail", Rule: "quota-452", Diagnostic: "452 4.2.2 The email account that you tried to reach is over quota."}, FirstBounce: t0, LastBounce: t0.Add(70 * time.Hour), Bounces: 3, WindowBounces: 3, SuppressedUntil: t0.Add(70*time.Hour + 7*24*time.Hour)},
		{Email: "=1+1@example.com", State: bounce.StateSuppressed, Decision: bounce.Event{Type: bounce.TypeHard, Reason: "userunknown", Status: "5.1.1", ReplyCode: "550", Provider: "other", Rule: "status-5.1.1", Diagnostic: "550 5.1.1 <=1+1@example.com>: Recipient address rejected:\r\n\tUser unknown, \"sorry\", bye"}, FirstBounce: t0.In(time.FixedZone("CET", 3600)), LastBounce: t0, Bounces: 1},
		{Email: "ann@example.com", State: bounce.StateSuppressed, Decision: bounce.Event{Type: bounce.TypeComplaint, Reason: "feedback", Provider: "@provider", Rule: "\tarf", Diagnostic: "-" + strings.Repeat("very long text, ", 20)}, FirstBounce: t0, LastBounce: t0, Bounces: 1},
		{Email: "bob@xn--bcher-kva.example", State: bounce.StateSuppressed, Decision: bounce.Event{Type: bounce.TypeSoft, Reason: "expired", Status: "+4.4.7", ReplyCode: "-", Provider: "\rcr", Rule: "expired", Diagnostic: "@ délai dépassé"}, FirstBounce: t0, LastBounce: t0, Bounces: 9, WindowBounces: 3},
		{Email: "'quote@example.org", State: bounce.StateSuppressed, Decision: bounce.Event{Type: bounce.TypeHard, Reason: "userunknown", Provider: "other", Rule: "'rule"}, FirstBounce: t0, LastBounce: t0, Bounces: 1},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update to rewrite):\n%s", path, got)
	}
}

func TestCSVGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, goldenRows()); err != nil {
		t.Fatal(err)
	}
	golden(t, "export.csv.golden", buf.Bytes())

	// Structure, independent of the golden bytes.
	out := buf.String()
	if !strings.HasPrefix(out, strings.Join(Columns, ",")+"\r\n") || !strings.HasSuffix(out, "\r\n") ||
		strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\r") {
		t.Errorf("want every line break to be CRLF:\n%q", out)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 {
		t.Fatalf("%d records, want a header and 5 rows", len(recs))
	}
	sorted := goldenRows()
	slices.SortStableFunc(sorted, func(a, b Row) int { return strings.Compare(a.Email, b.Email) })
	// The address column is never rewritten: a CRM suppresses exactly the address.
	emails := []string{"'quote@example.org", "=1+1@example.com", "ann@example.com", "bob@xn--bcher-kva.example", "zoe@example.org"}
	for i, rec := range recs[1:] {
		if rec[0] != emails[i] {
			t.Errorf("record %d email %q, want %q", i, rec[0], emails[i])
		}
		for j, cell := range rec[1:] {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("record %d column %s starts with %q", i, Columns[j+1], cell[0])
			}
		}
	}
	// Removing one leading ' from every other cell undoes the neutralisation.
	for i, rec := range recs[1:] {
		if got, want := strings.TrimPrefix(rec[12], "'"), sorted[i].Decision.Rule; got != want {
			t.Errorf("record %d: un-neutralised rule %q, want %q", i, got, want)
		}
	}
	if recs[1][12] != "''rule" {
		t.Errorf("quote record %q", recs[1])
	}
	first := recs[2]
	if first[7] != "2026-03-01T08:30:00Z" || first[11] != "" ||
		first[13] != "550 5.1.1 <=1+1@example.com>: Recipient address rejected: User unknown, \"sorry\", bye" {
		t.Errorf("first record %q", first)
	}
	if got := recs[4]; got[4] != "'+4.4.7" || got[5] != "'-" || got[6] != "'\ncr" || got[13] != "'@ délai dépassé" {
		t.Errorf("neutralised cells %q", got)
	}
	if got := recs[3]; got[6] != "'@provider" || got[12] != "'\tarf" || len([]rune(got[13])) != MaxDiagnostic+1 {
		t.Errorf("neutralised cells %q (diagnostic %d chars)", got, len([]rune(got[13])))
	}
}

func TestJSONLGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, JSONL, goldenRows()); err != nil {
		t.Fatal(err)
	}
	golden(t, "export.jsonl.golden", buf.Bytes())
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines", len(lines))
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != len(Columns) || m["email"] != "=1+1@example.com" || m["suppressed_until"] != nil ||
		m["bounces"] != 1.0 || m["first_bounce"] != "2026-03-01T08:30:00Z" {
		t.Errorf("first line %v", m)
	}
	for _, c := range Columns {
		if _, ok := m[c]; !ok {
			t.Errorf("key %s missing", c)
		}
	}
}

func TestWriteRejectsDuplicates(t *testing.T) {
	rows := []Row{{Email: "a@example.com"}, {Email: "a@example.com"}}
	for _, f := range Formats {
		if err := Write(io.Discard, f, rows); err == nil || !strings.Contains(err.Error(), "two export rows for a@example.com") {
			t.Errorf("%s: err = %v", f, err)
		}
	}
}

// TestWriterStreams: rows written one at a time give the golden files of Write over the same
// rows; an empty CSV list still has its header; a row out of order or twice is an error.
func TestWriterStreams(t *testing.T) {
	rows, err := sorted(goldenRows())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Formats {
		var whole, streamed bytes.Buffer
		if err := Write(&whole, f, goldenRows()); err != nil {
			t.Fatal(err)
		}
		w, err := NewWriter(&streamed, f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if streamed.String() != whole.String() {
			t.Errorf("%s: streamed\n%s\nwant\n%s", f, streamed.String(), whole.String())
		}
		w, _ = NewWriter(io.Discard, f, Options{})
		if err := w.Write(Row{Email: "b@example.com"}); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(Row{Email: "a@example.com"}); err == nil || !strings.Contains(err.Error(), "must be sorted") {
			t.Errorf("%s: a row out of order: %v", f, err)
		}
		if err := w.Write(Row{Email: "b@example.com"}); err == nil || !strings.Contains(err.Error(), "two export rows for b@example.com") {
			t.Errorf("%s: a row twice: %v", f, err)
		}
	}
	var empty bytes.Buffer
	w, _ := NewWriter(&empty, CSV, Options{})
	if err := w.Flush(); err != nil || empty.String() != strings.Join(Columns, ",")+"\r\n" {
		t.Errorf("empty CSV list: %q, %v", empty.String(), err)
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"csv", "jsonl"} {
		if f, err := ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("xlsx"); err == nil || !strings.Contains(err.Error(), `unknown export format "xlsx"`) {
		t.Errorf("err = %v", err)
	}
}

func TestNeutralize(t *testing.T) {
	tests := map[string]string{
		"=1+1@example.com": "'=1+1@example.com",
		"+33 1 23":         "'+33 1 23",
		"-2":               "'-2",
		"@SUM(A1)":         "'@SUM(A1)",
		"\tx":              "'\tx",
		"\rx":              "'\rx",
		"":                 "",
		"a=b":              "a=b",
		"'already":         "''already",
		"'=x@example.com":  "''=x@example.com",
		" =x":              " =x",
		"ann@example.com":  "ann@example.com",
	}
	for in, want := range tests {
		if got := Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanDiagnostic(t *testing.T) {
	long := strings.Repeat("é", 250)
	tests := []struct{ in, want string }{
		{"  a\r\n\tb   c ", "a b c"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{strings.Repeat("x", MaxDiagnostic), strings.Repeat("x", MaxDiagnostic)},
		{long, strings.Repeat("é", MaxDiagnostic-3) + "..."},
		{strings.Repeat("ab ", 100), strings.TrimSpace(strings.Repeat("ab ", 66)) + "..."},
	}
	for _, tt := range tests {
		if got := CleanDiagnostic(tt.in); got != tt.want {
			t.Errorf("CleanDiagnostic(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	base := goldenRows()[0]
	fp := base.Fingerprint()
	if len(fp) != 64 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Fatalf("fingerprint %q", fp)
	}
	same := base
	same.Bounces, same.LastBounce, same.Decision.Diagnostic, same.WindowBounces = 99, t0.Add(time.Hour), "other", 7
	if same.Fingerprint() != fp {
		t.Error("counters, times and diagnostic must not change the fingerprint")
	}
	changes := []func(*Row){
		func(r *Row) { r.Email = "zoe@example.net" },
		func(r *Row) { r.State = bounce.StateSuppressed },
		func(r *Row) { r.Decision.Reason = "expired" },
		func(r *Row) { r.SuppressedUntil = r.SuppressedUntil.Add(time.Hour) },
		func(r *Row) { r.Decision.Rule = "other" },
		func(r *Row) { r.Decision.Status, r.Decision.ReplyCode = "4.2.", "2452" }, // same bytes, other split
	}
	for i, change := range changes {
		r := base
		change(&r)
		if r.Fingerprint() == fp {
			t.Errorf("change %d does not change the fingerprint", i)
		}
	}
}

// TestRowOf checks the row of a stored state: the deciding event as stored, the window count
// as window_bounces, and the diagnostic cleaned only when written.
func TestRowOf(t *testing.T) {
	until := t0.Add(200 * time.Hour)
	dec := bounce.Event{ID: "k1#1", Type: bounce.TypeSoft, Reason: "mailboxfull", Status: "4.2.2", ReplyCode: "452",
		Provider: "gmail", Rule: "r1", Diagnostic: "full\n  mailbox", BouncedAt: t0}
	st := store.StateRow{Address: "b@example.com", State: bounce.StatePaused, SoftCount: 3, PauseCount: 1,
		SuppressedUntil: until, ExpiresAt: until, Since: t0, FirstBounce: t0, LastBounce: t0.Add(time.Hour),
		Bounces: 4, Decision: dec, Setting: "x", Policy: "default"}
	got := RowOf(&st)
	want := Row{Email: "b@example.com", State: bounce.StatePaused, Decision: dec, FirstBounce: t0,
		LastBounce: t0.Add(time.Hour), Bounces: 4, WindowBounces: 3, SuppressedUntil: until}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	var buf bytes.Buffer
	if err := Write(&buf, JSONL, []Row{got}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"last_diagnostic":"full mailbox"`) || !strings.Contains(buf.String(), `"window_bounces":3`) {
		t.Errorf("row written as %s", buf.String())
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "suppressions.csv")
	if err := os.WriteFile(path, []byte("old complete file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The writer fails midway: the target keeps its old content and no temporary file is left.
	boom := errors.New("disk on fire")
	_, err := WriteFile(path, FileOptions{}, func(w io.Writer) error {
		io.WriteString(w, strings.Repeat("partial,row\r\n", 20000)) // more than the buffer: reaches the temp file
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	assertFile(t, path, "old complete file\n")
	assertOnly(t, dir, "suppressions.csv")

	// Success replaces the file whole, keeping its mode.
	kind, err := WriteFile(path, FileOptions{}, func(w io.Writer) error { return WriteCSV(w, goldenRows()) })
	if err != nil || kind != Replaced {
		t.Fatal(kind, err)
	}
	want, _ := os.ReadFile("testdata/export.csv.golden")
	assertFile(t, path, string(want))
	assertMode(t, path, 0o644)
	assertOnly(t, dir, "suppressions.csv")
	// An explicit mode wins.
	if _, err := WriteFile(path, FileOptions{Perm: 0o600}, func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o600)

	// A new file gets DefaultPerm.
	fresh := filepath.Join(dir, "new.csv")
	if kind, err := WriteFile(fresh, FileOptions{}, func(w io.Writer) error { return nil }); err != nil || kind != Created {
		t.Fatal(kind, err)
	}
	assertMode(t, fresh, DefaultPerm)
	os.Remove(fresh)

	// A symbolic link stays a link: the file it points to is replaced.
	target := filepath.Join(dir, "real.csv")
	if err := os.WriteFile(target, []byte("old\n"), 0o604); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "current.csv")
	if err := os.Symlink("real.csv", link); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(link, FileOptions{}, func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	assertFile(t, target, "new\n")
	assertMode(t, target, 0o604)
	os.Remove(link)
	os.Remove(target)

	// A rename that cannot happen (the target is a non-empty directory) leaves nothing behind.
	sub := filepath.Join(dir, "sub")
	os.MkdirAll(filepath.Join(sub, "x"), 0o755)
	if _, err := WriteFile(sub, FileOptions{}, func(w io.Writer) error { return nil }); err == nil {
		t.Error("rename over a directory succeeded")
	}
	assertOnly(t, dir, "sub", "suppressions.csv")

	// A missing directory is an error naming the path.
	if _, err := WriteFile(filepath.Join(dir, "nope", "f.csv"), FileOptions{}, func(io.Writer) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), "nope/f.csv") {
		t.Errorf("err = %v", err)
	}
}

// TestWriteFileDevice: a device or a named pipe is written to, never replaced by a file.
func TestWriteFileDevice(t *testing.T) {
	if kind, err := WriteFile(os.DevNull, FileOptions{}, func(w io.Writer) error { return WriteCSV(w, goldenRows()) }); err != nil || kind != Device {
		t.Fatalf("%s: %v %v", os.DevNull, kind, err)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s is no longer a device: %v %v", os.DevNull, fi.Mode(), err)
	}
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no named pipes here:", err)
	}
	got := make(chan string)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if kind, err := WriteFile(fifo, FileOptions{}, func(w io.Writer) error { _, err := io.WriteString(w, "row\r\n"); return err }); err != nil || kind != Device {
		t.Fatalf("fifo: %v %v", kind, err)
	}
	if s := <-got; s != "row\r\n" {
		t.Errorf("read %q from the pipe", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v %v", fi.Mode(), err)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
		t.Errorf("%s: mode %v, %v; want %v", path, fi.Mode().Perm(), err, want)
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s = %.60q..., want %.60q...", path, got, want)
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if !reflect.DeepEqual(got, names) {
		t.Errorf("directory holds %v, want %v", got, names)
	}
}
