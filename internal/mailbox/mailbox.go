// Package mailbox reads messages from a maildir (new/ and cur/, never tmp/), an mbox file
// (From_ separated, ">From " unquoted, LF or CRLF), a folder of one-message files, a single
// message file, or standard input ("-"). The mailbox is never modified.
//
// Each message gets a stable key (maildir: the unique part of its file name; mbox: path, byte
// offset and content hash; plain file: content hash) and a position for people: the file path,
// or "path:N" for the Nth message of an mbox.
package mailbox

import "time"

// Message is one message read from a mailbox, or a failure to read one.
type Message struct {
	Key      string    // stable key; "" when Err is a path-level error
	Position string    // "path" or "path:N" (Nth message of an mbox, from 1)
	Path     string    // the file the message is in ("-" for stdin)
	Offset   int64     // byte offset of the message in an mbox file, 0 otherwise
	ModTime  time.Time // file modification time (zero for stdin)
	Data     []byte    // raw message, From_ line removed and ">From " unquoted for mbox
	Err      error     // the message (or the whole path, when Key is "") could not be read
}
