package rules

import (
	"io/fs"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/config"
)

// maxLine is the longest line of the files here, in characters.
const maxLine = 120

// TestLayout checks that the embedded files are there, read in the config dialect without a
// problem or a note on old syntax, and have no line over maxLine characters (the full parse
// is tested in internal/classify and internal/policy).
func TestLayout(t *testing.T) {
	for _, pattern := range []string{"*.rules", "*.providers", "*.policy"} {
		files, err := fs.Glob(FS, pattern)
		if pattern == "*.policy" {
			files, err = []string{"default.policy"}, nil
		}
		if err != nil || len(files) == 0 {
			t.Fatalf("no %s embedded (%v)", pattern, err)
		}
		for _, name := range files {
			data := DefaultPolicy
			if pattern != "*.policy" {
				if data, err = fs.ReadFile(FS, name); err != nil {
					t.Fatal(err)
				}
			}
			f := config.Parse(name, data)
			for _, e := range f.Errors {
				t.Error(e)
			}
			for _, n := range f.Notes {
				t.Errorf("old syntax: %v", n)
			}
			for i, line := range strings.Split(string(data), "\n") {
				if n := utf8.RuneCountInString(line); n > maxLine {
					t.Errorf("%s:%d: %d characters, more than %d", name, i+1, n, maxLine)
				}
			}
		}
	}
}
