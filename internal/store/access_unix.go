//go:build unix

package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// The files of a database shared between users (docs/operations.md, "Sharing a database"): the
// owner's runs give the -wal and -shm files the database file's mode and group, and when a
// user cannot read or write one of the three files, the error says which one and whose it is.

// sideSuffixes are the files SQLite keeps beside a database in WAL mode.
var sideSuffixes = []string{"-wal", "-shm"}

// alignSideFiles gives the -wal and -shm files of the database at abs, when this user owns them
// (or is root), the permission bits and the group of the database file, so that whoever may read
// (or write) the database may read (or write) them too. SQLite gives them the database's mode
// when it creates them, but a later chmod or chgrp of the database does not reach them. Every
// open does it, read-only ones included: it changes who may use the files, not what they hold.
// It is best effort: a file it cannot change is reported, with its owner, when it gets in the
// way (accessProblem).
func alignSideFiles(abs string) {
	db, err := os.Stat(abs)
	if err != nil {
		return
	}
	dst, ok := db.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	me := os.Geteuid()
	for _, suffix := range sideSuffixes {
		p := abs + suffix
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok || (me != 0 && int(st.Uid) != me) {
			continue
		}
		if fi.Mode().Perm() != db.Mode().Perm() {
			_ = os.Chmod(p, db.Mode().Perm())
		}
		if st.Gid != dst.Gid || (me == 0 && st.Uid != dst.Uid) {
			uid := -1
			if me == 0 {
				uid = int(dst.Uid) // root: SQLite does the same when it creates them
			}
			_ = os.Lchown(p, uid, int(dst.Gid))
		}
	}
}

// accessProblem explains why this user cannot read (or, with write, write) the database at path:
// which of the database file, its -wal and -shm files and its folder is in the way, whose it is,
// and what to do. ok is false when nothing is found (the cause is elsewhere).
func accessProblem(path string, write bool) (detail, hint string, ok bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", "", false
	}
	db, err := os.Stat(abs)
	if err != nil {
		return "", "", false
	}
	owner := ownerOf(db)
	mode, verb := uint32(4), "read" // R_OK
	if write {
		mode, verb = 6, "written" // R_OK|W_OK
	}
	for _, suffix := range append([]string{""}, sideSuffixes...) {
		p := abs + suffix
		fi, err := os.Stat(p)
		if err != nil || syscall.Access(p, mode) == nil {
			continue
		}
		who := ownerOf(fi)
		detail = fmt.Sprintf("cannot be %s: %s is not %s by this user (owner %s, mode %04o)",
			verb, filepath.Base(p), map[bool]string{false: "readable", true: "writable"}[write], who, fi.Mode().Perm())
		switch {
		case suffix != "" && who != owner:
			hint = fmt.Sprintf("%s was created by %s, not by the database's owner %s (older rebound versions did so when another user read the database): "+
				"while no rebound runs, remove %s-wal and %s-shm, or have root chown them to %s; docs/operations.md, \"Sharing a database\"",
				filepath.Base(p), who, owner, abs, abs, owner)
		case write && !isMe(db):
			hint = fmt.Sprintf("the database belongs to %s: run the commands that write it (scan, export --out or --new, unsuppress, evaluate, prune, sent add or import) as %s; other users may read it (docs/operations.md, \"Sharing a database\")",
				owner, owner)
		case write:
			hint = fmt.Sprintf("make %s writable by its owner again (chmod u+w), or pick another path with --db", p)
		default:
			hint = fmt.Sprintf("the database's owner %s can let this user read it: chmod g+r %s, with a group both share; rebound gives the -wal and -shm files the same mode the next time %s runs it (docs/operations.md, \"Sharing a database\")",
				owner, abs, owner)
		}
		return detail, hint, true
	}
	dir := filepath.Dir(abs)
	if write && syscall.Access(dir, 3) != nil { // W_OK|X_OK
		for _, suffix := range sideSuffixes {
			if _, err := os.Lstat(abs + suffix); errors.Is(err, fs.ErrNotExist) {
				return fmt.Sprintf("cannot be written: its folder %s is not writable by this user, and SQLite needs to create %s there", dir, filepath.Base(abs+suffix)),
					"make the folder writable by the database's owner, or pick another path with --db", true
			}
		}
	}
	return "", "", false
}

// isMe reports whether this process may act as the owner of fi: it owns it, or is root.
func isMe(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	me := os.Geteuid()
	return !ok || me == 0 || int(st.Uid) == me
}

// MayWrite reports whether this process should write the database at path: it is the file's
// owner, or root (SQLite then gives the files it creates the database's owner). Other users
// who may write the file should not open it for writing on their own: the files SQLite creates
// beside it would be theirs (docs/operations.md). A missing file gives true: Open explains.
func MayWrite(path string) bool {
	fi, err := os.Stat(path)
	return err != nil || isMe(fi)
}

// ownerOf names the owner of fi: its user name, else its uid.
func ownerOf(fi fs.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "?"
	}
	uid := strconv.FormatUint(uint64(st.Uid), 10)
	if u, err := user.LookupId(uid); err == nil {
		return u.Username
	}
	return "uid " + uid
}
