package mailbox

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTypeAt checks the types fstatat gives for the entries whose type a file system leaves
// out of its directory records (DT_UNKNOWN), against os.Lstat, and that a vanished entry is
// ErrNotExist (listDir then leaves it out, as os.ReadDir does).
func TestTypeAt(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	names := []string{"file", "sub", "link"}
	if syscallMkfifo(filepath.Join(dir, "fifo")) == nil {
		names = append(names, "fifo")
	}
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		fi, err := os.Lstat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := typeAt(rc, name)
		if err != nil || got != fi.Mode().Type() {
			t.Errorf("%s: typeAt gave %v, %v; os.Lstat %v", name, got, err, fi.Mode().Type())
		}
	}
	if _, err := typeAt(rc, "gone"); !os.IsNotExist(err) {
		t.Errorf("a missing entry gave %v, want ErrNotExist", err)
	}
}
