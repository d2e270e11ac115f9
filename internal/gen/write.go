package gen

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// box is what the writers take messages from: a Generator or Copies.
type box interface {
	AppendMessage(buf []byte, i int) ([]byte, time.Time)
	WriteMaildir(dir string, first, n int) error
	WriteMbox(w io.Writer, first, n int) error
}

// writeMaildir writes messages first .. first+n-1 of m into the maildir dir (creating it, with
// cur/, new/ and tmp/), one file per message in new/, named like a delivery at the message's
// time: its Unix time, then M, the message's number and tag.
func writeMaildir(m box, dir string, first, n int, tag string) error {
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	var buf []byte
	for i := first; i < first+n; i++ {
		var at time.Time
		buf, at = m.AppendMessage(buf[:0], i)
		name := strconv.FormatInt(at.Unix(), 10) + ".M" + strconv.Itoa(i) + tag + ".gen.example"
		if err := os.WriteFile(filepath.Join(dir, "new", name), buf, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeMbox writes messages first .. first+n-1 of m to w as an mboxrd file (RFC 4155), or
// first+n-1 down to first when reverse is set.
func writeMbox(m box, w io.Writer, first, n int, reverse bool) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	var buf []byte
	for k := range n {
		i := first + k
		if reverse {
			i = first + n - 1 - k
		}
		var at time.Time
		buf, at = m.AppendMessage(buf[:0], i)
		bw.WriteString("From MAILER-DAEMON ")
		bw.WriteString(at.UTC().Format("Mon Jan _2 15:04:05 2006"))
		bw.WriteByte('\n')
		writeQuoted(bw, buf)
		if !bytes.HasSuffix(buf, []byte("\n")) {
			bw.WriteByte('\n')
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// writeQuoted writes data with every line that matches ^>*From  given one more '>'.
func writeQuoted(w *bufio.Writer, data []byte) {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line = data[:i+1]
		}
		data = data[len(line):]
		if bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) {
			w.WriteByte('>')
		}
		w.Write(line)
	}
}

// writeFile writes n messages of m to path in format "maildir" (path is the maildir) or "mbox".
func writeFile(m box, path, format string, n int) error {
	switch format {
	case "maildir":
		return m.WriteMaildir(path, 0, n)
	case "mbox":
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := m.WriteMbox(f, 0, n); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return errors.New("unknown format " + strconv.Quote(format) + " (want maildir or mbox)")
}
