package mailbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"strconv"
)

// The mbox reader is a small line splitter over bufio rather than github.com/emersion/go-mbox:
// that package gives neither the byte offset of a message (needed for keys and checkpoints) nor
// mboxrd unquoting, and it cannot start at an offset.

const fromLine = "From "

// mboxReader splits an mbox into messages. Lines are read with bufio.Reader.ReadSlice, so a
// line longer than the read buffer arrives in pieces; only the first piece of a line is looked
// at for From_ lines, empty lines and quoting.
type mboxReader struct {
	w   *walker
	s   *source
	br  *bufio.Reader
	off int64 // offset of the next byte to read
	n   int   // messages yielded (or skipped by a checkpoint) so far

	in      bool      // a message has started
	start   int64     // offset of its From_ line
	buf     []byte    // its data so far, unless it overflowed
	size    int64     // its size so far
	sum     hash.Hash // set (and used instead of buf) once the message is too large
	pending []byte    // an empty line not yet added: it may end the message
}

// mbox reads an mbox from w.br, starting at a checkpoint when Options.Resume gives a valid one,
// and yields a checkpoint after the last message when the file is a regular file.
func (w *walker) mbox(s *source) error {
	m := &mboxReader{w: w, s: s, br: w.br, buf: w.scratch[:0]}
	defer func() { w.scratch = m.buf[:0] }()
	if cp, ok := w.resume(s); ok {
		if _, err := s.f.Seek(cp.Offset, io.SeekStart); err != nil {
			return w.readFailed(s, err)
		}
		w.br.Reset(s.f)
		m.off, m.n = cp.Offset, cp.Count
	}
	lineStart, afterBlank := true, true // a From_ line may come first
	inFrom := false                     // in the rest of a long From_ line
	for {
		line, err := m.br.ReadSlice('\n')
		if len(line) > 0 {
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
			default:
				m.add(m.pending)
				m.pending = nil
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
			return w.readFailed(s, err)
		}
	}
	return m.finish()
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

// finish yields the last message and, for a regular file, the checkpoint. The checkpoint is put
// after the last message only if that message ends with the empty line that RFC 4155 writers
// append; otherwise the message may still be being written, and the checkpoint is put before
// it so that the next run reads it again.
func (m *mboxReader) finish() error {
	cp := Checkpoint{Offset: m.off, Count: m.n}
	if m.in {
		ended := m.pending != nil
		start := m.start
		if err := m.emit(); err != nil {
			return err
		}
		cp.Count = m.n
		if !ended {
			cp.Offset, cp.Count = start, m.n-1
		}
	}
	if m.s.f == nil {
		return nil
	}
	check, err := checksum(m.s.f, cp.Offset)
	if err != nil {
		return m.w.readFailed(m.s, err)
	}
	cp.Check = check
	return m.w.yield(Message{Position: m.s.path, Path: m.s.path, ModTime: m.s.mtime, Checkpoint: &cp})
}

// resume returns the checkpoint to start reading s at, if Options.Resume gives one that still
// matches the file.
func (w *walker) resume(s *source) (Checkpoint, bool) {
	if w.opt.Resume == nil || s.f == nil {
		return Checkpoint{}, false
	}
	cp, ok := w.opt.Resume(s.path)
	if !ok || cp.Offset <= 0 || cp.Offset > s.size || cp.Count < 0 {
		return Checkpoint{}, false
	}
	if check, err := checksum(s.f, cp.Offset); err != nil || check != cp.Check {
		return Checkpoint{}, false
	}
	if cp.Offset < s.size {
		head := make([]byte, len(fromLine))
		if _, err := s.f.ReadAt(head, cp.Offset); err != nil || string(head) != fromLine {
			return Checkpoint{}, false
		}
	}
	return cp, true
}
