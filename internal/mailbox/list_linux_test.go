package mailbox

import (
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
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

// TestDirentReaderRecords checks the parsing of getdents64 records, which a test cannot get the
// kernel to write badly: dot entries left out, a type left unknown noted, an inode of 0 kept,
// the NUL padding cut, and a malformed record stopping the read with the entries before it.
func TestDirentReaderRecords(t *testing.T) {
	record := func(ino uint64, typ byte, name string) []byte {
		n := (direntName + len(name) + 1 + 7) &^ 7 // NUL-terminated, padded to 8 bytes
		b := make([]byte, n)
		binary.NativeEndian.PutUint64(b, ino)
		binary.NativeEndian.PutUint16(b[direntReclen:], uint16(n))
		b[direntType] = typ
		copy(b[direntName:], name)
		return b
	}
	var recs []byte
	for _, r := range []struct {
		ino  uint64
		typ  byte
		name string
	}{{1, syscall.DT_DIR, "."}, {2, syscall.DT_DIR, ".."}, {3, syscall.DT_REG, "1700000000.M1P1.host:2,S"},
		{4, syscall.DT_UNKNOWN, "unknown"}, {0, syscall.DT_REG, "inode0"}, {5, syscall.DT_REG, ".hidden"},
		{6, syscall.DT_DIR, "sub"}} {
		recs = append(recs, record(r.ino, r.typ, r.name)...)
	}
	var r direntReader
	if !r.add(recs) {
		t.Fatal("well-formed records refused")
	}
	want := []dirent{{"1700000000.M1P1.host:2,S", 0}, {"unknown", 0}, {"inode0", 0}, {"sub", fs.ModeDir}}
	if !slices.Equal(r.list, want) || !slices.Equal(r.unknown, []int{1}) {
		t.Fatalf("got %v (unknown %v), want %v (unknown [1])", r.list, r.unknown, want)
	}

	bad := record(7, syscall.DT_REG, "next")
	binary.NativeEndian.PutUint16(bad[direntReclen:], uint16(len(bad)+8)) // runs past the read
	if r.add(append(record(8, syscall.DT_REG, "before"), bad...)) {
		t.Fatal("a record longer than the read was taken")
	}
	if got := r.list[len(r.list)-1]; got.name != "before" || len(r.list) != len(want)+1 {
		t.Fatalf("after a malformed record: last entry %q of %d, want \"before\" of %d", got.name, len(r.list), len(want)+1)
	}
}
