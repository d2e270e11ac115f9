//go:build linux

package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of the given size ("256k") on a new folder and returns the folder.
// It skips the test where mounting is not allowed: it needs root with CAP_SYS_ADMIN, which a
// developer's account or an unprivileged container does not have.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size="+size+",mode=0755"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): this test needs root with CAP_SYS_ADMIN", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// remount changes the options of a tmpfs mounted by mountTmpfs.
func remount(t *testing.T, dir string, flags uintptr, data string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_NOSUID|syscall.MS_NODEV|flags, data); err != nil {
		t.Fatalf("remount %s: %v", dir, err)
	}
}

// TestReadOnlyFilesystem scans into a database on a file system mounted read-only: exit
// status 3 with a hint. (A read-only file is tested in TestDatabaseFaults when not root.)
func TestReadOnlyFilesystem(t *testing.T) {
	fs := mountTmpfs(t, "4m")
	md := smallMaildir(t, t.TempDir(), 3)
	db := filepath.Join(fs, "rebound.db")
	if code, _, stderr := cli(t, nil, "--db", db, "scan", "--quiet", md); code != 0 {
		t.Fatalf("first scan: exit status %d\n%s", code, stderr)
	}
	remount(t, fs, syscall.MS_RDONLY, "")
	code, _, stderr := cli(t, nil, "--db", db, "scan", "--quiet", md)
	checkDatabaseError(t, code, stderr, []string{db, "cannot be written", "read-only file system"}, "writable")
}

// TestDiskFull scans a maildir into a database on a 2 MB file system: the scan stops with exit
// status 3, "disk is full" and a hint; the batches committed before stay intact, and once
// there is room a rerun stores the rest.
func TestDiskFull(t *testing.T) {
	fs := mountTmpfs(t, "2m")
	md := smallMaildir(t, t.TempDir(), 2000)
	db := filepath.Join(fs, "rebound.db")
	code, _, stderr := cli(t, nil, "--db", db, "scan", "--quiet", "--batch", "100", md)
	checkDatabaseError(t, code, stderr, []string{db, "the disk is full"}, "free some space")

	remount(t, fs, 0, "size=64m")
	if n := len(readMessagesConsistent(t, db)); n == 0 || n >= 2000 {
		t.Errorf("%d messages stored before the disk was full, want some but not all", n)
	} else {
		t.Logf("%d messages stored before the disk was full", n)
	}
	code, _, stderr = cli(t, nil, "--db", db, "scan", "--quiet", md)
	if code != 0 {
		t.Fatalf("rerun with room: exit status %d\n%s", code, stderr)
	}
	got := readMessagesConsistent(t, db)
	if len(got) != 2000 {
		t.Errorf("%d messages after the rerun, want 2000", len(got))
	}
	for pos, m := range got {
		if m.Outcome != "bounce" || len(m.Recipients) != 1 || !strings.HasPrefix(m.Recipients[0], "user") {
			t.Errorf("%s: %+v", pos, m)
			break
		}
	}
}
