package config

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	text := "\ufeff# a comment\r\n" +
		"top = 1   # a key before any section\n" +
		"[rule userunknown]   # a header with a comment\n" +
		"phrase = no such user | unknown user |\n" +
		"         user unknown\n" +
		"         # a comment inside the list\n" +
		"\tmailbox unavailable | aup#bl\n" +
		"regex = \\b(a|b)\\b\n" +
		"  [smtp:x]\n" +
		"reason =\n" +
		"    userunknown\n" +
		"\n" +
		"[default]\n" +
		"  hard = suppress\n" +
		"  soft = pause\n"
	f := Parse("x.conf", []byte(text))
	if len(f.Errors)+len(f.Notes) != 0 {
		t.Fatalf("errors %v notes %v", f.Errors, f.Notes)
	}
	if len(f.Top) != 1 || f.Top[0].Key != "top" || f.Top[0].Values[0] != (Value{"1", 2}) {
		t.Errorf("top: %+v", f.Top)
	}
	if len(f.Sections) != 2 {
		t.Fatalf("%d sections", len(f.Sections))
	}
	r := f.Sections[0]
	if r.Kind != "rule" || r.Name != "userunknown" || r.Line != 3 || r.Label() != "rule userunknown" || len(r.Entries) != 3 {
		t.Fatalf("section %+v", r)
	}
	var items []string
	for _, v := range r.Entries[0].List() {
		items = append(items, v.Text+"@"+strconv.Itoa(v.Line))
	}
	if got := strings.Join(items, ","); got != "no such user@4,unknown user@4,user unknown@5,mailbox unavailable@7,aup#bl@7" {
		t.Errorf("phrase items: %s", got)
	}
	if re := r.Entries[1].Lines(); len(re) != 2 || re[0].Text != `\b(a|b)\b` || re[1].Text != "[smtp:x]" {
		t.Errorf("regex lines: %+v", re)
	}
	if v, ok := f.One(r.Entries[2]); !ok || v != (Value{"userunknown", 11}) {
		t.Errorf("reason: %+v", v)
	}
	d := f.Sections[1]
	if d.Label() != "default" || len(d.Entries) != 2 || d.Entries[1].Key != "soft" {
		t.Errorf("indented keys at one level are keys, not a continuation: %+v", d.Entries)
	}
}

// TestParseReportsEverything checks that one run reports every problem of a file, each at its
// line, in line order, and goes on reading after each.
func TestParseReportsEverything(t *testing.T) {
	text := "[rule a\n" + // 1
		"[]\n" + // 2
		"[a b c]\n" + // 3
		"just words\n" + // 4
		"Bad Key! = 1\n" + // 5
		"empty =\n" + // 6
		"\n" + // 7
		"one = a\n" + // 8
		"      b\n" + // 9
		"ok = \xff\n" + // 10
		"[good]\n" + // 11
		"fine = yes\n" // 12
	f := Parse("bad.conf", []byte(text))
	if len(f.Sections) != 1 || f.Sections[0].Kind != "good" || len(f.Sections[0].Entries) != 1 {
		t.Errorf("the good section was not read: %+v", f.Sections)
	}
	if len(f.Top) != 1 || f.Top[0].Key != "one" {
		t.Fatalf("top: %+v", f.Top)
	}
	f.One(f.Top[0]) // a problem of the caller's, at the continuation line
	err := f.Err()
	want := []string{
		`bad.conf:1: section header "[rule a" has no closing ]`,
		`bad.conf:2: empty section header []`,
		`bad.conf:3: section header "[a b c]" has 3 words: want [kind name] or [kind]`,
		`bad.conf:4: expected key = value, a [section] or a # comment, got "just words"`,
		`bad.conf:5: bad key "Bad Key!": use lower-case letters, digits and _`,
		`bad.conf:6: empty has no value`,
		`bad.conf:9: one takes one value, on the line of the key`,
		`bad.conf:10: not UTF-8 text`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("errors:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	var e *Error
	if !errors.As(err, &e) || e.File != "bad.conf" || e.Line != 1 {
		t.Errorf("errors.As: %+v", e)
	}
}

func TestNotes(t *testing.T) {
	f := Parse("old.conf", []byte("; an old comment\n[x]\nnot-phrase = a\nFeedback-ID-Field = 1\n"))
	if len(f.Errors) != 0 {
		t.Fatal(f.Errors)
	}
	var got []string
	for _, n := range f.Notes {
		got = append(got, n.Error())
	}
	want := []string{
		"old.conf:1: a comment starts with #: ';' comments are read for compatibility only",
		`old.conf:3: key "not-phrase" is written not_phrase now (the old spelling is read for compatibility)`,
		`old.conf:4: key "Feedback-ID-Field" is written feedback_id_field now (the old spelling is read for compatibility)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes:\n%s", strings.Join(got, "\n"))
	}
	if e := f.Sections[0].Entries; e[0].Key != "not_phrase" || e[1].Key != "feedback_id_field" {
		t.Errorf("keys %q %q", e[0].Key, e[1].Key)
	}
}

func TestNotText(t *testing.T) {
	f := Parse("bin", []byte("[a]\nx = \x00\x01"))
	if err := f.Err(); err == nil || err.Error() != "bin: not a text file (it holds NUL bytes)" {
		t.Errorf("err = %v", err)
	}
}

func TestStripComment(t *testing.T) {
	for in, want := range map[string]string{
		"# all":             "",
		"a = b # c":         "a = b ",
		"a = b\t#c":         "a = b\t",
		"phrase = aup#bl":   "phrase = aup#bl",
		"regex = [#]x # no": "regex = [#]x ",
	} {
		if got := StripComment(in); got != want {
			t.Errorf("StripComment(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParse reads any text: Parse never fails, every problem and note names the file and a
// line of it, every entry has a value, and list items are trimmed and hold no '|'.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../../rules/*.rules", "../../rules/*.providers", "../../rules/*.policy",
		"../classify/testdata/rules/*.rules", "../policy/testdata/*.policy", "../attrib/testdata/*"} {
		names, _ := filepath.Glob(pattern)
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("[a b]\nk = a |\n  b | c\n\n  d\n; x\n[x\n= v\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file := Parse("fuzz.conf", data)
		lines := strings.Count(string(data), "\n") + 1
		for _, e := range append(append([]error(nil), file.Errors...), notesAsErrors(file.Notes)...) {
			var pe *Error
			if !errors.As(e, &pe) || pe.File != "fuzz.conf" || pe.Line < 0 || pe.Line > lines {
				t.Fatalf("problem without a place in the file: %v", e)
			}
		}
		entries := file.Top
		for _, s := range file.Sections {
			if s.Kind == "" || s.Line < 1 || s.Line > lines {
				t.Fatalf("section %+v", s)
			}
			entries = append(entries, s.Entries...)
		}
		for _, e := range entries {
			if len(e.Values) == 0 || !validKey(e.Key) {
				t.Fatalf("entry %+v", e)
			}
			for _, v := range e.List() {
				if v.Text == "" || v.Text != strings.TrimSpace(v.Text) || strings.Contains(v.Text, "|") || v.Line < e.Line {
					t.Fatalf("item %+v of %+v", v, e)
				}
			}
		}
	})
}

func notesAsErrors(notes []*Error) []error {
	out := make([]error, len(notes))
	for i, n := range notes {
		out[i] = n
	}
	return out
}
