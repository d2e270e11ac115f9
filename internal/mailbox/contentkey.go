package mailbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// ContentKey identifies a message by its content, whatever mailbox it was read from and however
// it got there: the same bounce delivered to two mailboxes, an mbox rotated or renamed, a maildir
// converted to an mbox (or back) give the same key, so that a caller can count it once. Two
// messages that differ in anything their sender wrote, such as the Date or the Message-ID of two
// bounces that are otherwise identical, give different keys.
//
// The key is "c:" and 32 hex digits: the first 128 bits of the SHA-256 of the message with
//   - the mbox From_ line removed, if data starts with one (Walk already removes it);
//   - the header fields that delivery and mail stores add or change removed: the envelope
//     (Return-Path, Delivered-To, X-Original-To, Envelope-To, ...), trace fields (Received,
//     Received-SPF, Authentication-Results, ARC-*, DKIM-Signature of a forwarder, Resent-*),
//     filter verdicts (X-Spam-*, X-Virus-*, ...), mbox and IMAP store flags (Status,
//     X-Status, X-Keywords, X-UID, X-IMAP, X-IMAPbase, Content-Length, Lines, X-Mozilla-*,
//     X-Gmail-Labels, ...) and Exchange's delivery fields (X-MS-Exchange-Organization-*),
//     each with its continuation lines (see strippedField);
//   - CRLF line ends read as LF, and in the body any ">From " quoting of mbox formats
//     (">From ", ">>From ", ...) read as "From ";
//   - the empty lines and white space at the end removed.
//
// Every other header field, in its order, and the body are kept byte for byte.
func ContentKey(data []byte) string {
	h := sha256.New()
	data = skipFromLine(data)
	body := hashHeader(h, data)
	hashBody(h, body)
	var sum [sha256.Size]byte
	return "c:" + hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// skipFromLine drops an mbox From_ line at the start of data.
func skipFromLine(data []byte) []byte {
	if !bytes.HasPrefix(data, []byte(fromLine)) {
		return data
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return data[i+1:]
	}
	return nil
}

// hashHeader writes the kept header fields of data to h, each line LF-terminated, then an empty
// line, and returns the body (what follows the empty line that ends the header).
func hashHeader(h hash.Hash, data []byte) (body []byte) {
	skip := false // in a stripped field, its continuation lines go too
	for len(data) > 0 {
		line, rest := nextLine(data)
		data = rest
		if len(line) == 0 {
			break // the end of the header
		}
		if line[0] == ' ' || line[0] == '\t' {
			if !skip {
				h.Write(line)
				h.Write(lf)
			}
			continue
		}
		skip = strippedField(line)
		if !skip {
			h.Write(line)
			h.Write(lf)
		}
	}
	h.Write(lf)
	return data
}

// hashBody writes the body to h with LF line ends, mbox quoting undone and the blank end
// trimmed.
func hashBody(h hash.Hash, body []byte) {
	body = bytes.TrimRight(body, " \t\r\n")
	if len(body) > 0 && body[0] != '>' && bytes.IndexByte(body, '\r') < 0 && !bytes.Contains(body, []byte("\n>")) {
		// No CRLF to read as LF and no line that may be quoted: the lines as they are, in one
		// write instead of two per line (this hash is a few percent of a scan's CPU).
		h.Write(body)
		h.Write(lf)
		return
	}
	hashBodyLines(h, body)
}

// hashBodyLines writes the trimmed body to h line by line, with LF line ends and mbox quoting
// undone.
func hashBodyLines(h hash.Hash, body []byte) {
	for len(body) > 0 {
		line, rest := nextLine(body)
		body = rest
		if len(line) > 1 && line[0] == '>' {
			if i := bytes.IndexFunc(line, func(r rune) bool { return r != '>' }); i > 0 && bytes.HasPrefix(line[i:], []byte(fromLine)) {
				line = line[i:]
			}
		}
		h.Write(line)
		h.Write(lf)
	}
}

// nextLine returns the first line of data without its line end (LF or CRLF), and the rest.
func nextLine(data []byte) (line, rest []byte) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		line, rest = data, nil
	} else {
		line, rest = data[:i], data[i+1:]
	}
	return bytes.TrimSuffix(line, []byte("\r")), rest
}

// strippedNames are the header fields ContentKey leaves out, lower case: added on delivery, by
// filters, or by the mail store, so that two copies of one message differ in them.
var strippedNames = map[string]bool{
	// envelope and delivery
	"return-path": true, "delivered-to": true, "x-original-to": true, "envelope-to": true,
	"x-envelope-to": true, "x-envelope-from": true, "x-rcpt-to": true, "x-delivered-to": true,
	"x-forwarded-to": true, "x-forwarded-for": true, "x-original-recipient": true,
	// trace
	"received": true, "received-spf": true, "authentication-results": true,
	"arc-seal": true, "arc-message-signature": true, "arc-authentication-results": true,
	"dkim-signature": true, "x-google-dkim-signature": true, "x-received": true,
	// mbox and IMAP stores, mail clients
	"status": true, "x-status": true, "x-keywords": true, "x-uid": true, "x-imap": true,
	"x-imapbase": true, "content-length": true, "lines": true, "x-mozilla-status": true,
	"x-mozilla-status2": true, "x-mozilla-keys": true, "x-gmail-labels": true, "x-gm-thrid": true,
	"x-evolution-source": true, "x-uidl": true,
}

// strippedPrefixes are prefixes of the names of fields left out: filter verdicts and
// per-delivery fields.
var strippedPrefixes = []string{"x-spam", "x-virus", "x-amavis", "x-rspamd", "x-greylist",
	"x-ms-exchange-organization-", "resent-"}

// strippedField reports whether the header line (the first line of a field) is one that
// ContentKey leaves out. A line without a colon is kept: it is not a field of ours to judge.
func strippedField(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || i > 64 {
		return false
	}
	var buf [64]byte
	name := buf[:0]
	for _, c := range bytes.TrimRight(line[:i], " \t") {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		name = append(name, c)
	}
	if strippedNames[string(name)] {
		return true
	}
	for _, p := range strippedPrefixes {
		if bytes.HasPrefix(name, []byte(p)) {
			return true
		}
	}
	return false
}
