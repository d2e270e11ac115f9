//go:build unix

package mailbox

import (
	"os"
	"syscall"
)

// writeLocked reports whether another process holds an fcntl (POSIX) lock on f that would stop
// it from being read: a writer delivering into the mbox.
func writeLocked(f *os.File) bool {
	lk := syscall.Flock_t{Type: syscall.F_RDLCK, Whence: 0, Start: 0, Len: 0}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return false
	}
	return lk.Type != syscall.F_UNLCK
}
