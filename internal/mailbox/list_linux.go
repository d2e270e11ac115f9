package mailbox

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// readDirents reads the entries of the open directory f not starting with ".", in the order
// the file system gives them, from the getdents64 records themselves. File.ReadDir allocates
// an entry and a name for each (100,000 allocations and 14 MB for a maildir of 50,000
// messages, 47 ms of the single reading goroutine, during which the workers had nothing to
// do); here the names are copied into one buffer and become one string, sliced. A type the
// file system does not give (DT_UNKNOWN) is read with fstatat, as File.ReadDir does, and an
// entry gone by then is left out, as there.
func readDirents(f *os.File) ([]dirent, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var list []dirent
	if fi, err := f.Stat(); err == nil {
		// A hint only: an ext4 directory's size is about its entries' records (58 bytes an
		// entry in a maildir), but it never shrinks, btrfs counts names twice, and CephFS
		// gives the bytes of everything below; append grows it past the cap.
		list = make([]dirent, 0, min(max(fi.Size(), 0)/32, 1<<16))
	}
	buf := make([]byte, 32<<10)
	var names []byte  // the names of one read
	var ends []int    // where each of them ends in names
	var unknown []int // entries of list whose type the records did not give
	for err == nil {
		n := 0
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			for {
				n, rerr = syscall.ReadDirent(int(fd), buf)
				if rerr != syscall.EINTR {
					return true
				}
			}
		}); err != nil {
			rerr = err
		}
		if rerr != nil {
			err = &fs.PathError{Op: "readdirent", Path: f.Name(), Err: rerr}
			break
		}
		if n <= 0 {
			break
		}
		names, ends = names[:0], ends[:0]
		for rec := buf[:n]; len(rec) > 0; {
			if len(rec) < direntName {
				err = errMalformed(f)
				break
			}
			reclen := int(binary.NativeEndian.Uint16(rec[direntReclen:]))
			if reclen < direntName || reclen > len(rec) {
				err = errMalformed(f)
				break
			}
			name := rec[direntName:reclen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			dtype := rec[direntType]
			rec = rec[reclen:]
			// An inode number of 0 is a valid file on some file systems (old XFS, FUSE):
			// kept, as os.ReadDir keeps it on Linux.
			if len(name) == 0 || name[0] == '.' {
				continue
			}
			typ, known := direntMode(dtype)
			if !known {
				unknown = append(unknown, len(list))
			}
			list = append(list, dirent{typ: typ}) // named below
			names = append(names, name...)
			ends = append(ends, len(names))
		}
		// the names of this read become one string
		all, start := string(names), 0
		for i, end := range ends {
			list[len(list)-len(ends)+i].name = all[start:end]
			start = end
		}
	}
	if len(unknown) == 0 {
		return list, err
	}
	kept := list[:0]
	for i, d := range list {
		if len(unknown) > 0 && unknown[0] == i {
			unknown = unknown[1:]
			typ, lerr := typeAt(rc, d.name)
			if errors.Is(lerr, fs.ErrNotExist) {
				continue
			}
			if lerr != nil {
				if err == nil {
					err = &fs.PathError{Op: "lstat", Path: filepath.Join(f.Name(), d.name), Err: lerr}
				}
				continue
			}
			d.typ = typ
		}
		kept = append(kept, d)
	}
	return kept, err
}

// typeAt returns the type of the entry name of the directory rc, read with fstatat relative to
// the directory as os.ReadDir does (golang.org/x/sys/unix: package syscall has no Fstatat on
// amd64) (no path to resolve again: no ENAMETOOLONG, no other entry
// should the directory be renamed meanwhile).
func typeAt(rc syscall.RawConn, name string) (fs.FileMode, error) {
	var st unix.Stat_t
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			serr = unix.Fstatat(int(fd), name, &st, unix.AT_SYMLINK_NOFOLLOW)
			if serr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return 0, err
	}
	if serr != nil {
		return 0, serr
	}
	// A d_type is the type bits of st_mode moved down (IFTODT in dirent.h).
	typ, _ := direntMode(byte(st.Mode & unix.S_IFMT >> 12))
	return typ, nil
}

func errMalformed(f *os.File) error {
	return &fs.PathError{Op: "readdirent", Path: f.Name(), Err: errors.New("malformed directory entry")}
}

// The fields of a getdents64 record (struct linux_dirent64): inode, offset, record length,
// type, then the name ending in a NUL.
const (
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

// direntMode returns the type bits of a d_type, and false for DT_UNKNOWN (or any other).
func direntMode(t byte) (fs.FileMode, bool) {
	switch t {
	case syscall.DT_REG:
		return 0, true
	case syscall.DT_DIR:
		return fs.ModeDir, true
	case syscall.DT_LNK:
		return fs.ModeSymlink, true
	case syscall.DT_FIFO:
		return fs.ModeNamedPipe, true
	case syscall.DT_SOCK:
		return fs.ModeSocket, true
	case syscall.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice, true
	case syscall.DT_BLK:
		return fs.ModeDevice, true
	}
	return 0, false
}
