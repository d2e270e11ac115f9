package rules

import (
	"io/fs"
	"strings"
	"testing"
)

// TestLayout checks that the embedded files are there and that every line is blank, a
// comment, an [id] or a key = value (the full parse is tested in internal/classify).
func TestLayout(t *testing.T) {
	for _, pattern := range []string{"*.rules", "*.providers"} {
		files, err := fs.Glob(FS, pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("no %s embedded (%v)", pattern, err)
		}
		for _, f := range files {
			data, err := fs.ReadFile(FS, f)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(data), "\n") {
				line = strings.TrimSpace(line)
				ok := line == "" || strings.HasPrefix(line, "#") ||
					strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") ||
					strings.Contains(line, " = ")
				if !ok {
					t.Errorf("%s:%d: not a comment, [id] or key = value: %q", f, i+1, line)
				}
			}
		}
	}
}
