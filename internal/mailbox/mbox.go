package mailbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"os"
	"strconv"
	"time"
)

// The mbox reader is a small line splitter over bufio rather than github.com/emersion/go-mbox,
// which gives no byte offsets (needed for keys and checkpoints), rewrites line ends to CRLF and
// reads bare-CR files as empty (docs/dependencies.md).

const fromLine = "From "

// mboxReader splits an mbox into messages. Lines are read with bufio.Reader.ReadSlice, so a
// line longer than the read buffer arrives in pieces; only the first piece of a line is looked
// at for From_ lines, empty lines, quoting and Content-Length.
type mboxReader struct {
	w    *walker
	s    *source
	br   *bufio.Reader
	off  int64    // offset of the next byte to read
	n    int      // messages yielded (or skipped by a checkpoint) so far
	hist *history // the last bytes read, for the checkpoints of a compressed file

	in      bool      // a message has started
	start   int64     // offset of its From_ line
	buf     []byte    // its data so far, unless it overflowed
	size    int64     // its size so far
	sum     hash.Hash // set (and used instead of buf) once the message is too large
	pending []byte    // an empty line not yet added: it may end the message
	header  bool      // in its header
	clen    int64     // its Content-Length, -1 when it has none
	counted bool      // its body was read by its Content-Length, up to the next From_ line

	locked bool // a writer held the mbox's lock when the reading started
}

// mbox reads an mbox from br (lead bytes of blank lines come first), starting at a checkpoint
// when Options.Resume gives a valid one, and yields a checkpoint after the last message when
// the file is a regular file.
func (w *walker) mbox(s *source, br *bufio.Reader, lead int) error {
	m := &mboxReader{w: w, s: s, br: br, buf: w.scratch[:0]}
	defer func() { w.scratch = m.buf[:0] }()
	if s.f != nil && !s.seekable() {
		m.hist = &history{}
	}
	if w.opt.Resume != nil && s.seekable() {
		m.locked = m.lockHeld()
	}
	resumed, err := m.resume()
	if err != nil {
		return w.readFailed(s, err)
	}
	if !resumed && lead > 0 {
		m.discard(lead)
	}
	lineStart, afterBlank := true, true // a From_ line may come first
	inFrom := false                     // in the rest of a long From_ line
	for {
		line, err := m.br.ReadSlice('\n')
		if len(line) > 0 {
			if m.hist != nil {
				m.hist.write(line)
			}
			at := m.off
			m.off += int64(len(line))
			blank := lineStart && isBlank(line)
			switch {
			case inFrom:
			case lineStart && afterBlank && bytes.HasPrefix(line, []byte(fromLine)):
				if m.in {
					if err := m.emit(); err != nil {
						return err
					}
				}
				m.begin(at)
				inFrom = true
			case blank:
				m.add(m.pending)
				m.pending = lineEnd(line)
				if m.header {
					m.header = false
					if m.clen >= 0 && m.countedBody() {
						afterBlank = true // the next line may be a From_ line
						continue
					}
				}
			default:
				m.add(m.pending)
				m.pending = nil
				if lineStart && m.header && m.clen < 0 {
					m.clen = contentLength(line)
				}
				if lineStart && isQuotedFrom(line) {
					line = line[1:]
				}
				m.add(line)
			}
			lineStart = line[len(line)-1] == '\n'
			afterBlank = blank
			inFrom = inFrom && !lineStart
		}
		if err == io.EOF {
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			return m.failed(err)
		}
	}
	return m.finish()
}

// failed reports an error reading the mbox: it names the message being read, if any, else
// the last one read.
func (m *mboxReader) failed(err error) error {
	if m.in {
		return m.w.failAt(m.s, m.s.path+":"+strconv.Itoa(m.n+1), 0, err)
	}
	return m.w.failAt(m.s, m.s.path, m.n, err)
}

// discard skips n bytes of br.
func (m *mboxReader) discard(n int) {
	if m.hist != nil {
		b, _ := m.br.Peek(n)
		m.hist.write(b)
	}
	d, _ := m.br.Discard(n)
	m.off += int64(d)
}

// isBlank reports whether line (a whole line) is empty.
func isBlank(line []byte) bool {
	return len(line) == 1 && line[0] == '\n' || len(line) == 2 && line[0] == '\r' && line[1] == '\n'
}

// lineEnd returns a static copy of the empty line line, which belongs to the read buffer.
func lineEnd(line []byte) []byte {
	if len(line) == 1 {
		return lf
	}
	return crlf
}

var lf, crlf = []byte("\n"), []byte("\r\n")

// isQuotedFrom reports whether line matches ^>+From .
func isQuotedFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return i > 0 && bytes.HasPrefix(line[i:], []byte(fromLine))
}

// begin starts a message at offset at.
func (m *mboxReader) begin(at int64) {
	m.in, m.start, m.size, m.sum, m.pending = true, at, 0, nil, nil
	m.header, m.clen, m.counted = true, -1, false
	m.buf = m.buf[:0]
}

// add appends b to the current message, switching to hashing only once it is too large.
func (m *mboxReader) add(b []byte) {
	if len(b) == 0 {
		return
	}
	if !m.in { // only when a resumed file changed under us: keep the data all the same
		m.begin(m.off - int64(len(b)))
	}
	m.size += int64(len(b))
	if m.sum == nil && m.size > m.w.max {
		m.sum = sha256.New()
		m.sum.Write(m.buf)
		m.buf = nil
	}
	if m.sum != nil {
		m.sum.Write(b)
		return
	}
	m.buf = append(m.buf, b...)
}

// emit yields the current message (without its pending empty line, which ends it).
func (m *mboxReader) emit() error {
	m.n++
	s := m.s
	msg := Message{
		Position: s.path + ":" + strconv.Itoa(m.n),
		Path:     s.path,
		Offset:   m.start,
		ModTime:  s.mtime,
	}
	var sum [sha256.Size]byte
	switch {
	case m.sum != nil:
		m.sum.Sum(sum[:0])
		msg.Err = tooLarge(m.size, m.w.max)
	default:
		sum = sha256.Sum256(m.buf)
		if len(m.buf) == 0 {
			msg.Err = ErrEmpty
		} else {
			msg.Data = m.take()
		}
	}
	msg.Key = s.path + ":" + strconv.FormatInt(m.start, 10) + ":" + hex.EncodeToString(sum[:8])
	if m.sum != nil {
		msg.Key = FailedPrefix + msg.Key // too large
	}
	m.in = false
	return m.w.yield(msg)
}

// take returns the data of the current message as a slice of its own. A big buffer is handed
// over rather than copied, so a large message is not held twice.
func (m *mboxReader) take() []byte {
	if cap(m.buf) > 1<<20 {
		data := m.buf
		m.buf = nil
		return data
	}
	data := make([]byte, len(m.buf))
	copy(data, m.buf)
	return data
}

// finish yields the last message and, for a regular file, the checkpoint. In an uncompressed
// file, the checkpoint is put after the last message only if that message ends with the empty
// line that RFC 4155 writers append (or with its Content-Length); otherwise the message may
// still be being written, and the checkpoint is put before it so that the next run reads it
// again. When the caller keeps checkpoints (Options.Resume) and the last message may still be
// being written (see writing), it is not even yielded: it is left whole for the next run.
func (m *mboxReader) finish() error {
	cp := Checkpoint{Offset: m.off, Count: m.n}
	if m.in {
		start := m.start
		ended := m.pending != nil || m.counted
		switch {
		case m.s.seekable() && m.writing(ended):
			m.in = false
			cp.Offset = start
		case ended || !m.s.seekable():
			if err := m.emit(); err != nil {
				return err
			}
			cp.Count = m.n
		default:
			if err := m.emit(); err != nil {
				return err
			}
			cp.Offset, cp.Count = start, m.n-1
		}
	}
	if m.s.f == nil {
		return nil
	}
	if m.hist != nil {
		cp.Check = m.hist.check()
	} else {
		check, err := checksum(m.s.f, cp.Offset)
		if err != nil {
			return m.w.readFailed(m.s, err)
		}
		cp.Check = check
	}
	return m.w.yield(Message{Position: m.s.path, Path: m.s.path, ModTime: m.s.mtime, Checkpoint: &cp})
}

// appendQuiet is how long an mbox must have been left unchanged for an unterminated last message
// to be taken as complete by a caller that keeps checkpoints.
const appendQuiet = time.Minute

// writing reports whether the last message of the file may still be being written, for a
// caller that keeps checkpoints: a writer held the mbox's lock (a dotlock file "PATH.lock", or
// an fcntl lock, as Postfix, Exim, Dovecot, procmail and mutt take) when the reading started
// or holds it now, or the file changed while it was read; or, for writers that do not lock,
// the message is unterminated and the file changed less than appendQuiet ago.
func (m *mboxReader) writing(ended bool) bool {
	if m.w.opt.Resume == nil {
		return false
	}
	if m.locked || m.lockHeld() {
		return true
	}
	fi, err := m.s.f.Stat()
	if err != nil {
		return false
	}
	if fi.Size() != m.s.size || !fi.ModTime().Equal(m.s.mtime) {
		return true
	}
	return !ended && time.Since(fi.ModTime()) < appendQuiet
}

// lockHeld reports whether a writer holds the lock of the mbox.
func (m *mboxReader) lockHeld() bool {
	_, err := os.Lstat(m.s.path + ".lock")
	return err == nil || writeLocked(m.s.f)
}

// resume starts reading at the checkpoint Options.Resume gives, if it still matches the file:
// the file is at least Offset bytes long, the bytes before Offset hash to Check, and a From_
// line or the end of the file is at Offset. A compressed file is decompressed up to Offset to
// check it, and started again from its beginning if it does not match.
func (m *mboxReader) resume() (bool, error) {
	w, s := m.w, m.s
	if w.opt.Resume == nil || s.f == nil {
		return false, nil
	}
	cp, ok := w.opt.Resume(s.path)
	if !ok || cp.Offset <= 0 || cp.Count < 0 || s.seekable() && cp.Offset > s.size {
		return false, nil
	}
	if s.seekable() {
		if check, err := checksum(s.f, cp.Offset); err != nil || check != cp.Check {
			return false, nil
		}
		if cp.Offset < s.size {
			// A From_ line, or the start of one a writer is still writing.
			head := make([]byte, len(fromLine))
			n, err := s.f.ReadAt(head, cp.Offset)
			if string(head[:n]) != fromLine[:n] || n < len(head) && err != io.EOF {
				return false, nil
			}
		}
		if _, err := s.f.Seek(cp.Offset, io.SeekStart); err != nil {
			return false, err
		}
		m.br.Reset(s.f)
		m.off, m.n = cp.Offset, cp.Count
		w.resumed(s.path, cp)
		return true, nil
	}
	n, err := io.CopyN(m.hist, m.br, cp.Offset)
	if err == nil && n == cp.Offset && m.hist.check() == cp.Check {
		head, err := m.br.Peek(len(fromLine))
		if string(head) == fromLine || len(head) == 0 && err == io.EOF {
			m.off, m.n = cp.Offset, cp.Count
			w.resumed(s.path, cp)
			return true, nil
		}
	}
	m.hist.reset()
	return false, w.rewind(s)
}

// history keeps the last checkWindow bytes read from a stream.
type history struct{ b []byte }

func (h *history) Write(p []byte) (int, error) {
	h.write(p)
	return len(p), nil
}

func (h *history) write(p []byte) {
	if len(p) >= checkWindow {
		h.b = append(h.b[:0], p[len(p)-checkWindow:]...)
		return
	}
	if len(h.b)+len(p) > 2*checkWindow {
		keep := checkWindow - len(p)
		h.b = h.b[:copy(h.b, h.b[len(h.b)-keep:])]
	}
	h.b = append(h.b, p...)
}

func (h *history) reset() { h.b = h.b[:0] }

// check returns the Checkpoint.Check of the offset just after the bytes written.
func (h *history) check() string {
	sum := sha256.Sum256(h.b[max(0, len(h.b)-checkWindow):])
	return hex.EncodeToString(sum[:])
}

// contentLength returns the value of line if it is a Content-Length header field, and -1
// otherwise.
func contentLength(line []byte) int64 {
	const name = "content-length:"
	if len(line) < len(name) || line[0]|0x20 != 'c' || !bytes.EqualFold(line[:len(name)], []byte(name)) {
		return -1
	}
	v := bytes.TrimSpace(line[len(name):])
	if len(v) == 0 || len(v) > 15 {
		return -1
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// countedBody reads the body of the current message by its Content-Length (mboxcl2) when the
// bytes after it are the end of the file or the next From_ line (after an optional empty
// line): a From_ line inside the body is then not a separator, and no line is unquoted. It
// reports whether it did; a Content-Length that does not lead to a From_ line is ignored, as
// in the many mbox files whose writers did not update it.
func (m *mboxReader) countedBody() bool {
	if !m.endsAt(m.off + m.clen) {
		return false
	}
	m.add(m.pending)
	m.pending = nil
	for rem := m.clen; rem > 0; {
		b, err := m.br.Peek(int(min(rem, int64(m.br.Size()))))
		if len(b) == 0 {
			break // the file shrank since it was checked
		}
		if m.hist != nil {
			m.hist.write(b)
		}
		m.add(b)
		n, _ := m.br.Discard(len(b))
		rem -= int64(n)
		m.off += int64(n)
		if err != nil {
			break
		}
	}
	m.counted = true
	return true
}

// endsAt reports whether the current message's body can end at offset end: the file ends
// there, or the next From_ line starts there, or after an empty line. A regular file is read
// at the offset; a stream is looked at in its read buffer, and not beyond.
func (m *mboxReader) endsAt(end int64) bool {
	const look = len("\r\nFrom ")
	var after []byte
	var eof bool
	if m.s.seekable() {
		var b [look + 1]byte
		at, skip := end-1, 1 // read the byte before end too, to know the file reaches it
		if end == m.off {
			at, skip = end, 0
		}
		n, err := m.s.f.ReadAt(b[:look+skip], at)
		if n < skip || err != nil && err != io.EOF {
			return false
		}
		after, eof = b[skip:n], n < look+skip
	} else {
		need := end - m.off + int64(look)
		if need > int64(m.br.Size()) {
			return false
		}
		b, err := m.br.Peek(int(need))
		if int64(len(b)) < end-m.off || err != nil && err != io.EOF {
			return false
		}
		after, eof = b[end-m.off:], len(b) < int(need)
	}
	if eof && (len(after) == 0 || string(after) == "\n" || string(after) == "\r\n") {
		return true
	}
	return bytes.HasPrefix(after, []byte(fromLine)) || bytes.HasPrefix(after, []byte("\n"+fromLine)) ||
		bytes.HasPrefix(after, []byte("\r\n"+fromLine))
}
