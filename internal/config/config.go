// Package config reads the one text format of rebound's configuration files: the rules and
// provider tables of rules/ and --rules DIR, the suppression policy (--policy) and the
// attribution file (--attrib). docs/config.md describes it for users:
//
//	# a comment: a line whose first character is #, or # after a space
//	[kind name]              # a section header: [rule userunknown], [provider gmail], [default]
//	key = value              # keys are lower case, words joined by _
//	key = one | two | three  # a list: items separated by |
//	      four               # ... or one item per line, indented under the key
//	key =
//	    five
//
// The reader knows no keys: it returns sections and entries with their line numbers, and
// collects the problems of syntax. Each kind of file interprets the entries and adds its own
// problems to the same File, so that one run reports every problem of a file, each as
// "file:line: message" (Error).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a problem, or a note, at a line of a file: "file:line: message". Line 0 means the
// whole file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
}

// Errorf returns the problem at a line of a file.
func Errorf(file string, line int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// File is a file as read: its sections and entries, the problems found and the notes on old
// syntax that still loads.
type File struct {
	Name     string
	Top      []*Entry // entries before the first section header
	Sections []*Section
	Errors   []error  // problems, *Error values, in the order found
	Notes    []*Error // old syntax read for compatibility, each saying how to update it
}

// Section is a [kind name] header and the entries under it. A header of one word ([default],
// or an old-style [id]) has an empty Name.
type Section struct {
	Kind, Name string
	Line       int
	Entries    []*Entry
}

// Label is the header without its brackets: "rule userunknown", "default".
func (s *Section) Label() string {
	if s.Name == "" {
		return s.Kind
	}
	return s.Kind + " " + s.Name
}

// Entry is a "key = value" line and the continuation lines indented under it.
type Entry struct {
	Key    string  // lower case, words joined by _
	Line   int     // the line of the key
	Values []Value // the value after '=' (when not empty), then each continuation line
	indent int
}

// Value is one line of an entry's value, comments and surrounding white space removed.
type Value struct {
	Text string
	Line int
}

// List returns the items of the entry: every line split at '|', each item trimmed, empty
// items dropped ("a | b |" at the end of a line that goes on is allowed).
func (e *Entry) List() []Value {
	var out []Value
	for _, v := range e.Values {
		for _, s := range strings.Split(v.Text, "|") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, Value{s, v.Line})
			}
		}
	}
	return out
}

// Lines returns the items of an entry whose items may hold '|' (regular expressions,
// patterns): one item per line.
func (e *Entry) Lines() []Value { return e.Values }

// One returns the entry's single value; ok is false, and a problem is recorded in f, when the
// value goes on over several lines.
func (f *File) One(e *Entry) (v Value, ok bool) {
	if len(e.Values) != 1 {
		f.Errorf(e.Values[1].Line, "%s takes one value, on the line of the key", e.Key)
		return e.Values[0], false
	}
	return e.Values[0], true
}

// Errorf records a problem at a line of f.
func (f *File) Errorf(line int, format string, args ...any) {
	f.Errors = append(f.Errors, &Error{File: f.Name, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Notef records old syntax that still loads, with how to update it.
func (f *File) Notef(line int, format string, args ...any) {
	f.Notes = append(f.Notes, &Error{File: f.Name, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Err returns every problem of f, in line order, joined (errors.Join: one per line of its
// text), or nil.
func (f *File) Err() error {
	if len(f.Errors) == 0 {
		return nil
	}
	errs := append([]error(nil), f.Errors...)
	SortErrors(errs)
	return errors.Join(errs...)
}

// SortErrors orders problems by file and line, keeping errors without a place first.
func SortErrors(errs []error) {
	sort.SliceStable(errs, func(i, j int) bool {
		var a, b *Error
		aok, bok := errors.As(errs[i], &a), errors.As(errs[j], &b)
		if !aok || !bok {
			return !aok && bok
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}

// Parse reads a file. It never fails: problems are in File.Errors, and what could be read is
// returned, so that the caller can report the problems of its own keys in the same run.
func Parse(name string, data []byte) *File {
	f := &File{Name: name}
	if bytes.IndexByte(data, 0) >= 0 {
		f.Errorf(0, "not a text file (it holds NUL bytes)")
		return f
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var cur *Entry // the entry that indented lines continue, nil after a blank line or header
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		if !utf8.ValidString(line) {
			f.Errorf(n, "not UTF-8 text")
			cur = nil
			continue
		}
		text := strings.TrimSpace(StripComment(line))
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			cur = nil
		case text == "":
			// a comment line: an entry goes on after it
		case cur != nil && indent(line) > cur.indent:
			cur.Values = append(cur.Values, Value{text, n})
		case trimmed[0] == ';':
			f.Notef(n, "a comment starts with #: ';' comments are read for compatibility only")
		case text[0] == '[':
			f.header(n, text)
			cur = nil
		default:
			cur = f.entry(n, line, text)
		}
	}
	f.Top = f.valued(f.Top)
	for _, s := range f.Sections {
		s.Entries = f.valued(s.Entries)
	}
	return f
}

// valued reports the entries without a value, which only the end of the file can tell (a
// value may be on the lines under the key), and leaves them out.
func (f *File) valued(es []*Entry) []*Entry {
	out := es[:0]
	for _, e := range es {
		if len(e.Values) == 0 {
			f.Errorf(e.Line, "%s has no value", e.Key)
			continue
		}
		out = append(out, e)
	}
	return out
}

// indent is the width of the white space that begins line.
func indent(line string) int { return len(line) - len(strings.TrimLeft(line, " \t")) }

// StripComment removes a comment: from a '#' at the start of the line or after a space or tab
// to the end. A '#' inside a word ("aup#bl") is text.
func StripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

func (f *File) header(n int, text string) {
	if !strings.HasSuffix(text, "]") {
		f.Errorf(n, "section header %q has no closing ]", clip(text))
		return
	}
	words := strings.Fields(text[1 : len(text)-1])
	switch len(words) {
	case 0:
		f.Errorf(n, "empty section header []")
		return
	case 1, 2:
	default:
		f.Errorf(n, "section header %q has %d words: want [kind name] or [kind]", clip(text), len(words))
		return
	}
	s := &Section{Kind: words[0], Line: n}
	if len(words) == 2 {
		s.Name = words[1]
	}
	f.Sections = append(f.Sections, s)
}

func (f *File) entry(n int, line, text string) *Entry {
	key, value, ok := strings.Cut(text, "=")
	key = strings.TrimSpace(key)
	if !ok {
		f.Errorf(n, "expected key = value, a [section] or a # comment, got %q", clip(text))
		return nil
	}
	norm := strings.ReplaceAll(strings.ToLower(key), "-", "_")
	if !validKey(norm) {
		f.Errorf(n, "bad key %q: use lower-case letters, digits and _", clip(key))
		return nil
	}
	if norm != key {
		f.Notef(n, "key %q is written %s now (the old spelling is read for compatibility)", key, norm)
	}
	e := &Entry{Key: norm, Line: n, indent: indent(line)}
	if v := strings.TrimSpace(value); v != "" {
		e.Values = append(e.Values, Value{v, n})
	}
	if len(f.Sections) == 0 {
		f.Top = append(f.Top, e)
	} else {
		s := f.Sections[len(f.Sections)-1]
		s.Entries = append(s.Entries, e)
	}
	return e
}

func validKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ValidName reports whether s is a valid id for a [kind name] header: letters, digits, '.',
// '_' and '-', at most 100 bytes.
func ValidName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// clip shortens a line quoted in a message.
func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	i := 57
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}
