// Package mailbox reads messages from a maildir (new/ and cur/, never tmp/), an mbox file
// (From_ separated, ">From " unquoted, LF or CRLF), a folder of one-message files, a single
// message file, standard input ("-"), or an IMAP mailbox ("imaps://USER@HOST/MAILBOX", see
// imap.go); any file, and standard input, may be compressed with gzip, bzip2, xz or zstd (told
// by its magic bytes, see compress.go). The mailbox is never modified.
//
// Each message gets a stable key (maildir: the unique part of its file name; mbox: path, byte
// offset and content hash; plain file: content hash) and a position for people: the file path,
// or "path:N" for the Nth message of an mbox.
//
// # Formats
//
// Maildir (https://cr.yp.to/proto/maildir.html): a directory with a cur/ or a new/
// subdirectory. Messages in new/ are read first, then those in cur/, each in name order; tmp/
// holds deliveries in progress and is never read. A file name is "unique" or "unique:2,FLAGS";
// the key is the unique part, so it survives a mail client moving the file from new/ to cur/ or
// changing its flags.
//
// mbox (RFC 4155, mboxrd quoting): a message starts with a From_ line, a line beginning with
// "From " at the start of the file or after an empty line. The From_ line is removed, and so is
// the empty line that ends each message; in the other lines, one '>' is removed from lines
// matching ^>+From (mboxrd: ">From " becomes "From ", ">>From " becomes ">From "). LF and CRLF
// line endings are accepted and kept as they are. An mbox is read as a stream, one message in
// memory at a time. A file (or standard input) is an mbox when it starts with "From ", after
// any blank lines; otherwise it is a single message. mboxcl2: a message whose header has a
// Content-Length that leads exactly to the next From_ line (or the end of the file) has a body
// of that length, taken as it is: a From_ line inside it is not a separator and is not
// unquoted. A Content-Length that does not lead there (a stale one) is ignored. It is checked
// in the file itself, or, in a stream (standard input, compressed data), within the 64 KiB
// read buffer.
//
// A file (or standard input, or what a compressed file holds) that is empty or holds nothing
// but blank lines is an mbox of no message, such as the one logrotate's "create" leaves after
// a rotation: nothing is yielded for it. A file of a maildir is always one message: an empty
// one is yielded with ErrEmpty, since maildir delivery is atomic (written in tmp/, then moved)
// and such a file was delivered empty, which the postmaster should see.
//
// An mbox may be appended to while it is read. For a caller that keeps checkpoints
// (Options.Resume), the last message is left for the next run when it may still be being
// written: a writer held the mbox's lock (dotlock or fcntl) when the reading started or at its
// end, the file changed while it was read, or the message has no final empty line and the file
// changed in the last minute.
//
// Paths are used as given, in positions and in mbox keys: a caller that wants the same keys
// whatever the working directory passes absolute paths.
//
// A folder that is not a maildir is read recursively in name order; each file in it is a single
// message or an mbox. Names starting with "." are skipped, and symbolic links to directories are
// not followed, so a link loop cannot make the walk run forever.
//
// # Errors
//
// A path argument that cannot be opened or listed (missing, unreadable, a folder or maildir
// subfolder that cannot be listed) gives a Message with Err naming the path and an empty Key.
// A message that cannot be read (a file of a folder or maildir that cannot be opened or read: a
// link loop, a dangling link, a FIFO or device, no permission, an I/O error), and a message over
// Options.MaxMessageSize, gives a Message with Err, its Position and a failure key: "failed:"
// followed by its ordinary key, or by its path when the ordinary key needs its content. A
// caller records such a message under that key, so a rescan stores it only once, while the
// message itself stays unknown and is tried again on every walk: once the cause is gone
// (permissions fixed, the limit raised) it is read under its ordinary key. A file over the
// limit whose size is known is not read at all. Either way the walk goes on with the next
// message or path.
//
// # Rescans
//
// A nightly rescan should not re-read what it already processed. Options.Known lets the caller
// skip maildir messages (and, with Options.KnownFile, plain files) before they are opened.
// For an mbox, Walk yields a checkpoint Message after the last message of the file; a caller
// stores it once the messages before it are committed, and hands it back through
// Options.Resume so that the next run starts reading where this one stopped. A compressed mbox
// gets a checkpoint too, at an offset of what it holds: the next run decompresses it up to
// there to check it (no bytes are parsed or yielded again), and reads only what follows, such
// as a gzip member appended to the file.
//
// # Why not the design card's libraries (measurements in docs/dependencies.md)
//
// github.com/emersion/go-mbox: no message offsets to resume from, CRLF rewriting, bare-CR files read as empty.
// github.com/emersion/go-maildir: its Walk lists cur/ only; new/ is reached only by moving files to cur/.
// go-message's parser: stops at the first malformed part (53 of 506 real bounces), losing the parts after it.
package mailbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"time"
)

// Message is one message read from a mailbox, or a failure to read one, or (when Checkpoint is
// set) a marker saying that an mbox was read to its end.
type Message struct {
	Key      string    // stable key; "" when Err is a path-level error, and for a checkpoint
	Position string    // "path" or "path:N" (Nth message of an mbox, from 1)
	Path     string    // the file the message is in ("-" for stdin)
	Offset   int64     // byte offset of the message (its From_ line) in an mbox file, 0 otherwise
	ModTime  time.Time // file modification time (zero for stdin)
	Data     []byte    // raw message, From_ line removed and ">From " unquoted for mbox
	Err      error     // the message (or the whole path, when Key is "") could not be read

	// Checkpoint is set, with Key "" and Err nil, on the marker Walk yields after the last
	// message of an mbox file. Store it (keyed by Path) once every message yielded before it
	// has been committed, and return it from Options.Resume on the next run.
	Checkpoint *Checkpoint

	pooled bool // Data is a recycled buffer (see Release)
}

// Checkpoint records how far an mbox file has been read.
type Checkpoint struct {
	Offset int64  // resume reading at this byte offset (a From_ line, or the end of the file)
	Count  int    // messages before Offset: the next one is numbered Count+1
	Check  string // hex SHA-256 of the (up to 4096) bytes just before Offset
}

// Options control a walk. The zero value reads everything.
type Options struct {
	// MaxMessageSize is the largest message read, in bytes; 0 (or less) means
	// DefaultMaxMessageSize. A larger message gives a Message with Err (and its Key) instead.
	MaxMessageSize int64

	// Known, when set, is called with up to 1000 keys at a time (maildir keys, and the keys
	// returned by KnownFile) before the files are opened; messages whose key maps to true are
	// skipped without being read. An error from Known stops the walk and is returned by Walk.
	Known func(keys []string) (map[string]bool, error)

	// KnownFile, when set together with Known, is asked about each plain file of a folder (and
	// each file named in paths) before it is opened: a caller that remembers the key of the
	// file with this size and modification time returns it, and the file is then skipped if
	// Known says the key is known.
	KnownFile func(path string, size int64, mtime time.Time) (key string, ok bool)

	// Resume, when set, is asked about each mbox file. If it returns a checkpoint that still
	// matches the file (the file is at least Offset bytes long, the bytes before Offset hash to
	// Check, and a From_ line or the end of the file is at Offset), reading starts at Offset and
	// positions continue from Count+1; otherwise the file is read from the start.
	Resume func(path string) (cp Checkpoint, ok bool)

	// Resumed, when set, is called when a walk starts at the checkpoint Resume gave for path
	// (the Count messages before it are not read again).
	Resumed func(path string, cp Checkpoint)

	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader

	// IMAP holds the settings of IMAP paths ("imaps://USER@HOST/MAILBOX", see imap.go).
	IMAP *IMAPOptions
}

// DefaultMaxMessageSize is the message size limit when Options.MaxMessageSize is 0.
const DefaultMaxMessageSize = 64 << 20

const (
	knownBatch  = 1000     // keys per call of Options.Known
	checkWindow = 4096     // bytes hashed before a checkpoint offset
	bufSize     = 64 << 10 // read buffer
)

// ErrEmpty is the error of a message with no bytes at all: a maildir file, an mbox message
// (a From_ line followed by no line) or an IMAP message. An empty file elsewhere is an mbox of
// no message.
var ErrEmpty = errors.New("empty message")

// ErrTooLarge is wrapped by the error of a message over Options.MaxMessageSize.
var ErrTooLarge = errors.New("message too large")

// FailedPrefix starts the key of a message that could not be read or is too large (see the
// package documentation).
const FailedPrefix = "failed:"

func tooLarge(n, limit int64) error {
	return fmt.Errorf("%w: %d bytes, limit %d; hint: raise --max-message-size", ErrTooLarge, n, limit)
}

// resumed reports the use of checkpoint cp of path to Options.Resumed.
func (w *walker) resumed(path string, cp Checkpoint) {
	if w.opt.Resumed != nil {
		w.opt.Resumed(path, cp)
	}
}

// Walk reads the mailboxes named by paths, in order, and calls yield for each message (see the
// package documentation for formats, keys and errors). Messages come in a deterministic order:
// paths in argument order, directory entries in name order. Each Message's Data is its own:
// yield may keep it. Walk returns the first error returned by yield or by Options.Known, and
// nil otherwise: read errors are reported through Message.Err.
func Walk(paths []string, opt Options, yield func(Message) error) error {
	w := &walker{opt: opt, max: opt.MaxMessageSize, yield: yield,
		br: bufio.NewReaderSize(nil, bufSize), zbr: bufio.NewReaderSize(nil, bufSize)}
	if w.max <= 0 {
		w.max = DefaultMaxMessageSize
	}
	for _, p := range paths {
		if err := w.path(p); err != nil {
			return err
		}
	}
	return nil
}

// walker holds the state of one Walk.
type walker struct {
	opt     Options
	max     int64
	yield   func(Message) error
	br      *bufio.Reader // reused for every file
	zbr     *bufio.Reader // reused for what a compressed file holds
	scratch []byte        // reused buffer for mbox messages
}

// path reads one argument of Walk.
func (w *walker) path(p string) error {
	if IsIMAP(p) {
		return w.imap(p)
	}
	if p == "-" {
		in := w.opt.Stdin
		if in == nil {
			in = os.Stdin
		}
		return w.read(&source{path: "-", size: -1}, in)
	}
	f, err := os.Open(p)
	if err != nil {
		return w.fail(p, "", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return w.fail(p, "", err)
	}
	if fi.IsDir() {
		f.Close()
		return w.dir(p)
	}
	if fi.Mode().IsRegular() {
		if skip, err := w.knownFiles([]entry{{name: p}}); err != nil || skip[0] {
			f.Close()
			return err
		}
	}
	defer f.Close()
	return w.read(newSource(p, "", false, f, fi), f)
}

// fail reports an error about path (a path-level error when key is "").
func (w *walker) fail(path, key string, err error) error {
	return w.yield(Message{Key: key, Position: path, Path: path, Err: err})
}

// source describes the file a message comes from.
type source struct {
	path  string
	key   string   // maildir key, "" otherwise
	entry bool     // found in a directory (rather than named in the paths)
	f     *os.File // a regular file (so it can be read at an offset), nil otherwise
	size  int64    // -1 when unknown
	mtime time.Time
	z     *zstream // set when the file is compressed: messages are read from z.r
}

// zstream is the decompressed content of a compressed file.
type zstream struct {
	c *codec
	r io.ReadCloser
}

// seekable reports whether the messages of s can be read again at an offset of its file.
func (s *source) seekable() bool { return s.f != nil && s.z == nil }

func newSource(path, key string, entry bool, f *os.File, fi fs.FileInfo) *source {
	s := &source{path: path, key: key, entry: entry, size: -1, mtime: fi.ModTime()}
	if fi.Mode().IsRegular() {
		s.f, s.size = f, fi.Size()
	}
	return s
}

// failedKey returns the key of a message of s that could not be read or is too large: the
// failure prefix and the maildir key, else the path.
func (s *source) failedKey() string {
	return failedKey(s.key, s.path)
}

func failedKey(key, path string) string {
	if key != "" {
		return FailedPrefix + key
	}
	return FailedPrefix + path
}

// readFailed reports an error reading s: a message that could not be read when s was found in
// a directory, a path that could not be read when it was named in the paths.
func (w *walker) readFailed(s *source, err error) error {
	return w.failAt(s, s.path, 0, err)
}

// failAt reports an error reading s at position pos (s.path, or the position of the mbox
// message being read), after message n of an mbox when n > 0. The error of a path named in
// the paths names the position, since it is all that is printed of it: "box.gz:3: gzip:
// compressed data ends early".
func (w *walker) failAt(s *source, pos string, n int, err error) error {
	if s.z != nil {
		err = decompressError(s.z.c, err)
	}
	if n > 0 {
		err = fmt.Errorf("after message %d: %w", n, err)
	}
	if s.entry {
		return w.yield(Message{Key: s.failedKey(), Position: pos, Path: s.path, Err: withoutPath(err)})
	}
	var pe *fs.PathError
	if pos != s.path || !errors.As(err, &pe) || pe.Path != s.path {
		err = fmt.Errorf("%s: %w", pos, err)
	}
	return w.yield(Message{Position: pos, Path: s.path, Err: err})
}

// read reads r: compressed data is read through a decompressor (see compress.go), then what it
// holds is read by readPlain.
func (w *walker) read(s *source, r io.Reader) error {
	w.br.Reset(r)
	defer w.br.Reset(nil)
	if c := sniff(w.br); c != nil {
		return w.readCompressed(s, c)
	}
	return w.readPlain(s, w.br)
}

// readCompressed reads the compressed file s, whose first bytes say it is in format c.
func (w *walker) readCompressed(s *source, c *codec) error {
	zr, err := c.open(w.br)
	if err != nil {
		return w.readFailed(s, decompressError(c, err))
	}
	zs := *s
	zs.z, zs.size = &zstream{c: c, r: zr}, -1
	defer func() { zs.z.r.Close() }()
	w.zbr.Reset(zr)
	defer w.zbr.Reset(nil)
	return w.readPlain(&zs, w.zbr)
}

// rewind starts the decompression of the compressed regular file s again from its start.
func (w *walker) rewind(s *source) error {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w.br.Reset(s.f)
	s.z.r.Close()
	zr, err := s.z.c.open(w.br)
	if err != nil {
		return err
	}
	s.z.r = zr
	w.zbr.Reset(zr)
	return nil
}

// readPlain reads br, an mbox if it starts with "From " after any blank lines (and s is not a
// maildir file), a single message otherwise.
func (w *walker) readPlain(s *source, br *bufio.Reader) error {
	if s.key == "" {
		if blankOnly(br) {
			return nil // an mbox of no message, such as the one logrotate's create leaves
		}
		// A caller that keeps checkpoints may be reading a new mbox while its first From_
		// line is being written: the next run reads it from the start.
		lead, ok, err := mboxStart(br, w.opt.Resume != nil && s.seekable())
		if err != nil {
			return w.readFailed(s, err)
		}
		if ok {
			if n := crOnlyFromLine(br, lead); n > 0 {
				// Old Macintosh line endings (bare CR): the From_ line of a single
				// message saved by a mail client, not an mbox that can be split on LF.
				_, _ = br.Discard(n)
				return w.single(s, br)
			}
			return w.mbox(s, br, lead)
		}
	}
	return w.single(s, br)
}

// mboxStart reports whether br starts with a From_ line, after lead bytes of blank lines
// (lines of spaces, tabs and CRs only) that some writers put before it; with partial, also
// whether br holds nothing but the start of a From_ line.
func mboxStart(br *bufio.Reader, partial bool) (lead int, ok bool, err error) {
	head, err := br.Peek(len(fromLine))
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return 0, false, err
	}
	if string(head) == fromLine || partial && err == io.EOF && len(head) > 0 && fromLine[:len(head)] == string(head) {
		return 0, true, nil
	}
	if len(head) == 0 || !isSpace(head[0]) && head[0] != '\n' {
		return 0, false, nil
	}
	head, _ = br.Peek(checkWindow)
	i := 0
	for i < len(head) {
		j := bytes.IndexByte(head[i:], '\n')
		if j < 0 || len(bytes.Trim(head[i:i+j], " \t\r")) > 0 {
			break
		}
		i += j + 1
	}
	if i > 0 && bytes.HasPrefix(head[i:], []byte(fromLine)) {
		return i, true, nil
	}
	return 0, false, nil
}

// blankOnly reports whether br holds nothing, or nothing but blank lines, within checkWindow
// bytes.
func blankOnly(br *bufio.Reader) bool {
	head, err := br.Peek(checkWindow)
	if err != io.EOF {
		return false
	}
	for _, c := range head {
		if !isSpace(c) && c != '\n' {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// crOnlyFromLine returns the length of the From_ line at offset lead of br, with the lead and
// its line end, when that line ends with a bare CR (CR not followed by LF), and 0 otherwise.
func crOnlyFromLine(br *bufio.Reader, lead int) int {
	head, _ := br.Peek(lead + 1024)
	if len(head) <= lead {
		return 0
	}
	head = head[lead:]
	cr := bytes.IndexByte(head, '\r')
	lf := bytes.IndexByte(head, '\n')
	if cr < 0 || (lf >= 0 && lf < cr) || cr+1 >= len(head) || head[cr+1] == '\n' {
		return 0
	}
	return lead + cr + 1
}

// single reads r as one message. A regular file known to be over the limit is not read.
func (w *walker) single(s *source, r io.Reader) error {
	m := Message{Key: s.key, Position: s.path, Path: s.path, ModTime: s.mtime}
	if s.size > w.max {
		m.Key, m.Err = s.failedKey(), tooLarge(s.size, w.max)
		return w.yield(m)
	}
	var buf []byte
	if s.size >= 0 {
		buf = make([]byte, 0, s.size+1) // +1 so that reading to EOF needs no growth
	}
	data, err := readAtMost(r, buf, w.max)
	if err != nil {
		return w.readFailed(s, err)
	}
	// The content hash is the key of a message that has none (a maildir file's key is its
	// name): a maildir message is not hashed.
	var h hash.Hash
	var sum io.Writer = io.Discard
	if m.Key == "" {
		h = sha256.New()
		sum = h
	}
	sum.Write(data)
	n := int64(len(data))
	if n > w.max { // standard input, or a file that grew since it was opened
		rest, err := io.Copy(sum, r)
		if err != nil {
			return w.readFailed(s, err)
		}
		n += rest
		m.Err, data = tooLarge(n, w.max), nil
	} else if n == 0 {
		m.Err, data = ErrEmpty, nil
	}
	if m.Key == "" {
		m.Key = "sha256:" + hex.EncodeToString(h.Sum(nil))[:32]
	}
	if errors.Is(m.Err, ErrTooLarge) {
		m.Key = failedKey(m.Key, "")
	}
	m.Data = data
	return w.yield(m)
}

// whole yields the maildir file s, whose bytes readWhole read: what single would make of
// them, without a second copy (a compressed file still goes through its decompressor). pooled
// says that data is a recycled buffer, which Release takes back.
func (w *walker) whole(s *source, data []byte, pooled bool) error {
	if sniffBytes(data) != nil {
		return w.read(s, bytes.NewReader(data))
	}
	m := Message{Key: s.key, Position: s.path, Path: s.path, ModTime: s.mtime, Data: data, pooled: pooled}
	if len(data) == 0 {
		m.Err, m.Data = ErrEmpty, nil
	}
	return w.yield(m)
}

// readAtMost appends to buf what r holds, stopping after max+1 bytes.
func readAtMost(r io.Reader, buf []byte, max int64) ([]byte, error) {
	for int64(len(buf)) <= max {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := min(int64(cap(buf)-len(buf)), max+1-int64(len(buf)))
		n, err := r.Read(buf[len(buf) : len(buf)+int(room)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// checksum returns the Checkpoint.Check of f at offset off.
func checksum(f *os.File, off int64) (string, error) {
	start := max(0, off-checkWindow)
	b := make([]byte, off-start)
	if _, err := f.ReadAt(b, start); err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
