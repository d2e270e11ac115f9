package mailbox

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestListDir compares listDir with os.ReadDir on a directory of more entries than one read of
// the system call returns, of every kind a maildir or a folder can hold.
func TestListDir(t *testing.T) {
	dir := t.TempDir()
	for i := range 3000 {
		// maildir-like names of varying length, so that records straddle the reads
		name := fmt.Sprintf("17%08d.M%dP%d.host%s:2,S", 3000-i, i, i*7, strings.Repeat("x", i%40))
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{".hidden", "sub", ".git"} {
		if err := os.Mkdir(filepath.Join(dir, name), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("sub", filepath.Join(dir, "link")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	extra := 2
	if syscallMkfifo(filepath.Join(dir, "fifo")) == nil {
		extra++
	}
	got, err := listDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []dirent
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			want = append(want, dirent{e.Name(), e.Type()})
		}
	}
	if len(got) != 3000+extra || !slices.Equal(got, want) {
		t.Fatalf("listDir gave %d entries, os.ReadDir %d (or they differ)", len(got), len(want))
	}
	if !slices.IsSortedFunc(got, func(a, b dirent) int { return strings.Compare(a.name, b.name) }) {
		t.Fatal("listDir's entries are not sorted by name")
	}
	if _, err := listDir(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Fatalf("a missing directory gave %v", err)
	}
}
