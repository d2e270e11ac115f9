package gen

import (
	"bytes"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// CopyHeader is the header field that makes each copy of Copies a message of its own.
const CopyHeader = "X-Rebound-Copy"

// Copies is a mailbox of real messages copied again and again as they are, for benchmarks on
// real bounces: copy i is message i modulo their number, with one header line of its own
// (X-Rebound-Copy: i) before its first header field. A leading mbox From_ line is dropped.
type Copies struct {
	msgs []copyMsg
}

type copyMsg struct {
	data []byte    // without a leading From_ line
	eol  string    // the line ending of its first line
	at   time.Time // its Date header, else the file's modification time
}

// LoadCopies reads the messages under paths as Load does (maildirs, folders of files, files;
// not .json files, dotfiles or tmp/ folders), in name order, without decoding them.
func LoadCopies(paths ...string) (*Copies, error) {
	c := &Copies{}
	err := readFiles(paths, func(_ string, data []byte, modTime time.Time) {
		c.msgs = append(c.msgs, newCopyMsg(data, modTime))
	})
	if err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	if len(c.msgs) == 0 {
		return nil, fmt.Errorf("load messages from %s: no file found", strings.Join(paths, ", "))
	}
	return c, nil
}

func newCopyMsg(data []byte, modTime time.Time) copyMsg {
	if bytes.HasPrefix(data, []byte("From ")) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	m := copyMsg{data: data, eol: "\n", at: modTime.UTC().Truncate(time.Second)}
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		m.eol = "\r\n"
	}
	if msg, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		if t, err := msg.Header.Date(); err == nil {
			m.at = t.UTC()
		}
	}
	return m
}

// Messages returns the number of distinct messages copied.
func (c *Copies) Messages() int { return len(c.msgs) }

// AppendMessage appends copy i to buf and returns it, with the message's date.
func (c *Copies) AppendMessage(buf []byte, i int) ([]byte, time.Time) {
	m := c.msgs[i%len(c.msgs)]
	buf = append(buf, CopyHeader+": "...)
	buf = strconv.AppendInt(buf, int64(i), 10)
	buf = append(buf, m.eol...)
	return append(buf, m.data...), m.at
}

// WriteMaildir writes copies first .. first+n-1 into the maildir dir, as Generator.WriteMaildir.
func (c *Copies) WriteMaildir(dir string, first, n int) error {
	return writeMaildir(c, dir, first, n, "C")
}

// WriteMbox writes copies first .. first+n-1 to w as an mboxrd file, as Generator.WriteMbox.
func (c *Copies) WriteMbox(w io.Writer, first, n int) error {
	return writeMbox(c, w, first, n, false)
}

// WriteFile writes n copies to path in format "maildir" (path is the maildir) or "mbox".
func (c *Copies) WriteFile(path, format string, n int) error {
	return writeFile(c, path, format, n)
}
