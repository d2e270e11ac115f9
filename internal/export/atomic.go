package export

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultPerm is the mode of a new export file: it lists e-mail addresses.
const DefaultPerm fs.FileMode = 0o640

// FileOptions control WriteFile.
type FileOptions struct {
	// Perm, when not zero, is the mode of the file written, new or replaced. Zero keeps the
	// mode of the file replaced, and gives a new one DefaultPerm.
	Perm fs.FileMode
}

// Target says what WriteFile did with the path.
type Target int

// Targets.
const (
	Replaced Target = iota // an existing regular file (or the one a link points to) was replaced
	Created                // a new file was created
	Device                 // a device, pipe or descriptor (/dev/stdout) was written to
)

// WriteFile writes what write produces to path:
//
//   - A regular file, or a symbolic link to one, is replaced atomically: the data goes to a
//     temporary file in the same directory as the file (the link's target), which is synced,
//     given the replaced file's owner, group and mode (or opt.Perm), renamed over it, and the
//     directory is synced. A reader sees the old file or the whole new one, never a part, and a
//     link stays a link. If the owner or group cannot be kept (another user's file, and this
//     process is not root), nothing is replaced: the error says so.
//   - A path that does not exist is created the same way, with opt.Perm or DefaultPerm.
//   - A device, a named pipe or a socket (/dev/null, a terminal, a FIFO), and the paths of
//     open descriptors (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N), are opened and
//     written to: they cannot be replaced, and must not be (as root, a rename would put a
//     regular file in /dev).
//
// If write (or anything else) fails, a replaced or created file is left as it was and the
// temporary file is removed.
func WriteFile(path string, opt FileOptions, write func(io.Writer) error) (Target, error) {
	fi, err := os.Stat(path) // follows links
	switch {
	case err == nil && (!fi.Mode().IsRegular() || isDescriptorPath(path)):
		return Device, writeDevice(path, write)
	case err == nil:
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return Replaced, fmt.Errorf("write %s: %w", path, err)
		}
		return Replaced, replace(path, real, fi, opt, write)
	case errors.Is(err, fs.ErrNotExist):
		if real, err := danglingTarget(path); err == nil {
			path = real // a link to a file not made yet: make it
		}
		return Created, replace(path, path, nil, opt, write)
	}
	return Replaced, fmt.Errorf("write %s: %w", path, err)
}

// isDescriptorPath reports whether path names an open descriptor of this process: writing it
// writes the descriptor (a redirected standard output, say), whatever it is.
func isDescriptorPath(path string) bool {
	switch p := filepath.Clean(path); {
	case p == "/dev/stdout", p == "/dev/stderr", strings.HasPrefix(p, "/dev/fd/"), strings.HasPrefix(p, "/proc/self/fd/"):
		return true
	}
	return false
}

// danglingTarget returns where a symbolic link at path points when its target does not exist.
func danglingTarget(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return "", fs.ErrNotExist
	}
	t, err := os.Readlink(path)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(t) {
		t = filepath.Join(filepath.Dir(path), t)
	}
	return t, nil
}

// writeDevice writes to a device, pipe or descriptor as it is.
func writeDevice(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		f, err = os.OpenFile(path, os.O_WRONLY, 0) // a pipe or device that refuses O_TRUNC
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := errors.Join(bw.Flush(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// replace writes real (the file path names, or path itself) through a temporary file renamed
// over it. old describes the file replaced, nil for a new one.
func replace(path, real string, old fs.FileInfo, opt FileOptions, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(real)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	perm := opt.Perm
	if perm == 0 {
		perm = DefaultPerm
		if old != nil {
			perm = old.Mode().Perm()
		}
	}
	if old != nil {
		if err := keepOwner(f, old); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := errors.Join(bw.Flush(), f.Chmod(perm), f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, real); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
