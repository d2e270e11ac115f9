//go:build unix

package export

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// ErrOwner is wrapped by the error of a file whose owner or group a replacement cannot keep.
var ErrOwner = fmt.Errorf("cannot keep the owner and group of the file")

// keepOwner gives the temporary file f the owner and group of the file it replaces. A user can
// give a file another group only if a member of it, and another owner only as root: then the
// export stops, and the file it would have replaced stays as it is.
func keepOwner(f *os.File, old fs.FileInfo) error {
	want, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	have, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (have.Uid == want.Uid && have.Gid == want.Gid) {
		return nil
	}
	uid, gid := -1, -1
	if have.Uid != want.Uid {
		uid = int(want.Uid)
	}
	if have.Gid != want.Gid {
		gid = int(want.Gid)
	}
	if err := f.Chown(uid, gid); err != nil {
		return fmt.Errorf("%w (owner %s, group %s): %v", ErrOwner, userName(want.Uid), groupName(want.Gid), permissionCause(err))
	}
	return nil
}

func userName(uid uint32) string {
	s := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(s); err == nil {
		return u.Username
	}
	return s
}

func groupName(gid uint32) string {
	s := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(s); err == nil {
		return g.Name
	}
	return s
}

// permissionCause drops the path from a *fs.PathError: the message names the file.
func permissionCause(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
