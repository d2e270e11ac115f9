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
	var r direntReader
	if fi, err := f.Stat(); err == nil {
		// A hint only: an ext4 directory's size is about its entries' records (58 bytes an
		// entry in a maildir), but it never shrinks, btrfs counts names twice, and CephFS
		// gives the bytes of everything below; append grows it past the cap.
		r.list = make([]dirent, 0, min(max(fi.Size(), 0)/32, 1<<16))
	}
	buf := make([]byte, 32<<10)
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
		if !r.add(buf[:n]) {
			err = &fs.PathError{Op: "readdirent", Path: f.Name(), Err: errors.New("malformed directory entry")}
		}
	}
	if len(r.unknown) == 0 {
		return r.list, err
	}
	kept := r.list[:0]
	unknown := r.unknown
	for i, d := range r.list {
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

// direntReader collects the entries of a directory from the records of its reads.
type direntReader struct {
	list    []dirent
	unknown []int  // entries of list whose type the records did not give
	names   []byte // the names of one read
	ends    []int  // where each of them ends in names
}

// add appends the entries of one read's records not starting with "."; it returns false at a
// malformed record, with the entries before it added. The names of the read become one string.
func (r *direntReader) add(recs []byte) bool {
	r.names, r.ends = r.names[:0], r.ends[:0]
	ok := true
	for len(recs) > 0 {
		if len(recs) < direntName {
			ok = false
			break
		}
		reclen := int(binary.NativeEndian.Uint16(recs[direntReclen:]))
		if reclen < direntName || reclen > len(recs) {
			ok = false
			break
		}
		name := recs[direntName:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		dtype := recs[direntType]
		recs = recs[reclen:]
		// An inode number of 0 is a valid file on some file systems (old XFS, FUSE): kept, as
		// os.ReadDir keeps it on Linux.
		if len(name) == 0 || name[0] == '.' {
			continue
		}
		typ, known := direntMode(dtype)
		if !known {
			r.unknown = append(r.unknown, len(r.list))
		}
		r.list = append(r.list, dirent{typ: typ}) // named below
		r.names = append(r.names, name...)
		r.ends = append(r.ends, len(r.names))
	}
	all, start := string(r.names), 0
	for i, end := range r.ends {
		r.list[len(r.list)-len(r.ends)+i].name = all[start:end]
		start = end
	}
	return ok
}

// typeAt returns the type of the entry name of the directory rc, read with fstatat relative to
// the directory as os.ReadDir does: no path to resolve again, so no ENAMETOOLONG, and no other
// entry should the directory be renamed meanwhile. (golang.org/x/sys/unix: package syscall has
// no Fstatat on amd64.)
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
