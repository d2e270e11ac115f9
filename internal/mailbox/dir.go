package mailbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// dirent is a directory entry: only names and types are kept, so that a maildir of a million
// messages costs little more than its names.
type dirent struct {
	name string
	typ  fs.FileMode
}

// listDir returns the entries of dir not starting with ".", sorted by name. On error it returns
// the entries read so far with the error.
func listDir(dir string) ([]dirent, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	list, err := readDirents(f)
	return sortDirents(list), err
}

func sortDirents(list []dirent) []dirent {
	slices.SortFunc(list, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
	return list
}

// dir reads a directory: a maildir or a folder of files.
func (w *walker) dir(p string) error {
	if isMaildir(p) {
		return w.maildir(p)
	}
	return w.folder(p)
}

// isMaildir reports whether p has a cur/ or a new/ subdirectory.
func isMaildir(p string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(p, sub)); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// maildirKey returns the unique part of a maildir file name: what comes before the ":2,"
// (or any ":") info suffix.
func maildirKey(name string) string {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[:i]
	}
	return name
}

// maildir reads new/ and then cur/ of the maildir p. Each subdirectory is listed just before it
// is read, so a message moved from new/ to cur/ meanwhile is still found; one read in new/ and
// moved before cur/ is listed is not yielded twice.
func (w *walker) maildir(p string) error {
	var newKeys []string // sorted keys of new/
	for _, sub := range []string{"new", "cur"} {
		dir := filepath.Join(p, sub)
		list, err := listDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			if err := w.fail(dir, "", err); err != nil {
				return err
			}
		}
		batch := make([]entry, 0, len(list))
		for _, d := range list {
			if d.typ.IsDir() {
				continue
			}
			key := maildirKey(d.name)
			if sub == "cur" {
				if _, found := slices.BinarySearch(newKeys, key); found {
					continue
				}
			} else {
				newKeys = append(newKeys, key)
			}
			batch = append(batch, entry{dir: dir, name: d.name, key: key, typ: d.typ})
		}
		slices.Sort(newKeys)
		if err := w.files(batch); err != nil {
			return err
		}
	}
	return nil
}

// folder reads a directory that is not a maildir, recursively.
func (w *walker) folder(p string) error {
	list, err := listDir(p)
	if err != nil {
		if err := w.fail(p, "", err); err != nil {
			return err
		}
	}
	var batch []entry
	flush := func() error {
		err := w.files(batch)
		batch = batch[:0]
		return err
	}
	for _, d := range list {
		if d.typ&fs.ModeSymlink != 0 {
			if fi, err := os.Stat(filepath.Join(p, d.name)); err == nil && fi.IsDir() {
				continue // links to directories are not followed: no loops
			}
		}
		if !d.typ.IsDir() {
			batch = append(batch, entry{dir: p, name: d.name, typ: d.typ})
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		if err := w.dir(filepath.Join(p, d.name)); err != nil {
			return err
		}
	}
	return flush()
}

// entry is a file found in a directory, or named in the paths (dir ""). The directory's path
// is shared by its entries and joined with the name only when the file is read, so that the
// listing of a maildir of a million messages holds its names, not a million joined paths.
type entry struct {
	dir  string
	name string
	key  string      // maildir key (a part of name), "" for a file of a folder
	typ  fs.FileMode // type from the directory listing
}

// path returns the file's path.
func (e *entry) path() string {
	if e.dir == "" {
		return e.name
	}
	return filepath.Join(e.dir, e.name)
}

// files reads the files of a directory, skipping the known ones.
func (w *walker) files(batch []entry) error {
	for len(batch) > 0 {
		chunk := batch[:min(len(batch), knownBatch)]
		batch = batch[len(chunk):]
		skip, err := w.knownFiles(chunk)
		if err != nil {
			return err
		}
		for i, e := range chunk {
			if skip[i] {
				continue
			}
			if err := w.file(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// knownFiles tells which entries are known to Options.Known and need not be read.
func (w *walker) knownFiles(es []entry) ([]bool, error) {
	skip := make([]bool, len(es))
	if w.opt.Known == nil {
		return skip, nil
	}
	keys := make([]string, len(es))
	var ask []string
	for i, e := range es {
		keys[i] = e.key
		if e.key == "" && w.opt.KnownFile != nil {
			path := e.path()
			if fi, err := os.Stat(path); err == nil {
				if k, ok := w.opt.KnownFile(path, fi.Size(), fi.ModTime()); ok {
					keys[i] = k
				}
			}
		}
		if keys[i] != "" {
			ask = append(ask, keys[i])
		}
	}
	if len(ask) == 0 {
		return skip, nil
	}
	known, err := w.opt.Known(ask)
	if err != nil {
		return nil, fmt.Errorf("check known messages: %w", err)
	}
	for i, k := range keys {
		skip[i] = k != "" && known[k]
	}
	return skip, nil
}

// errNotRegular is the error of a directory entry that is neither a file nor a directory.
var errNotRegular = errors.New("not a regular file")

// withoutPath drops the path from a *fs.PathError: the message's Position names the file.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// file reads one file found in a directory. A file that disappeared since the directory was
// listed (a maildir message moved or deleted by a mail client) is skipped: a moved one is found
// again under its new name, with the same key. A file that cannot be read (a dangling link, a
// link loop, a FIFO, no permission) is reported as a message with a failure key.
func (w *walker) file(e entry) error {
	path := e.path()
	failed := func(err error) error { return w.fail(path, failedKey(e.key, path), withoutPath(err)) }
	typ := e.typ
	if typ&fs.ModeSymlink != 0 {
		fi, err := os.Stat(path)
		if err != nil {
			return failed(err)
		}
		typ = fi.Mode().Type()
	}
	if typ.IsDir() {
		return nil // a directory in new/ or cur/, or a link to one
	}
	if !typ.IsRegular() {
		return failed(errNotRegular)
	}
	if e.key != "" { // a maildir file: one message, read whole where the system allows
		data, mtime, pooled, ok, err := readWhole(path, w.max)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return failed(err)
		}
		if ok {
			return w.whole(&source{path: path, key: e.key, entry: true, size: int64(len(data)), mtime: mtime}, data, pooled)
		}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return failed(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return failed(err)
	}
	if !fi.Mode().IsRegular() { // replaced since listed
		return failed(errNotRegular)
	}
	return w.read(newSource(path, e.key, true, f, fi), f)
}
