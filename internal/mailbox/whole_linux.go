package mailbox

import (
	"io/fs"
	"syscall"
	"time"
)

// readWhole reads the regular file path whole, when it holds at most max bytes, with the four
// system calls it takes (open, fstat, read, close). os.Open adds five per file (the non-blocking
// mode set and checked, an attempt to add the file to the network poller, which refuses regular
// files), and then bufio, the read that sees the end of the file and the close through the
// poller's reference counting: on the single reading goroutine of a maildir scan these were
// most of its time. ok is false, with no error, when the file is not a regular file, is larger
// than max, or grew since its fstat: the caller then reads it with os.Open like any other file.
// Errors are those os.Open, File.Stat and File.Read would give. pooled says that data is in a
// recycled buffer (getBuffer).
func readWhole(path string, max int64) (data []byte, mtime time.Time, pooled, ok bool, err error) {
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, time.Time{}, false, false, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		return nil, time.Time{}, false, false, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size > max {
		return nil, time.Time{}, false, false, nil
	}
	buf, pooled := getBuffer(int(st.Size) + 1) // +1: a file that grew fills it
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, time.Time{}, false, false, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break // the end of a file that shrank since its fstat
		}
		n += m
		if int64(n) == st.Size {
			// The length fstat gave: the whole file, without another read to see its end
			// (a file that grows now is as if it grew just after that read).
			break
		}
	}
	if int64(n) > st.Size {
		return nil, time.Time{}, false, false, nil
	}
	return buf[:n], time.Unix(st.Mtim.Unix()), pooled, true, nil
}

func fstat(fd int, st *syscall.Stat_t) error {
	for {
		err := syscall.Fstat(fd, st)
		if err != syscall.EINTR {
			return err
		}
	}
}
