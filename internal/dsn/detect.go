package dsn

import (
	"bytes"
	"slices"
	"strings"
)

// detector recognises one MTA's bounce format. match must be cheap (header fields, subject,
// sender, a fixed string in the text); decode does the real work only for the messages that
// match. Detectors are tried in the order of the detectors list.
type detector struct {
	name   string
	match  func(m *message) bool
	decode func(m *message) []Recipient
}

// detectors is the ordered list of MTA formats. Specific formats come before general ones; the
// providers recognised by their sender's domain come last (see lhost_provider.go).
var detectors = append([]detector{
	postfixDetector,
	googleGroupsDetector,
	gmailDetector,
	office365Detector,
	messagingServerDetector,
	messagelabsDetector,
	exchange2007Detector,
	exchange2003Detector,
	dragonflyDetector,
	yahooDetector,
	x2Detector,
	opensmtpdDetector,
	imailDetector,
	gmxDetector,
	x3Detector,
	notesDetector,
	mfilterDetector,
	ezwebDetector,
	kddiDetector,
	biglobeDetector,
	fmlDetector,
	x1Detector,
	x6Detector,
	verizonDetector,
	mailmarshalDetector,
	mailfoundryDetector,
	dominoDetector,
	jamesDetector,
	zohoDetector,
	trendmicroDetector,
	qmailDetector,
	v5sendmailDetector,
	sendmailDetector,
	eximDetector,
	postfixSubjectDetector,
	mdaemonDetector,
	groupwiseDetector,
	aolDetector,
}, providerDetectors...)

// detect returns the first detector that recognises m, or nil.
func detect(m *message) *detector {
	for i := range detectors {
		if detectors[i].match(m) {
			return &detectors[i]
		}
	}
	return nil
}

// looksLikeBounce reports whether m has the outward signs of a bounce: a delivery report, a mail
// system as sender, an empty return path, an X-Failed-Recipients field or a bounce subject. It
// gates the decoders that would otherwise read too much into ordinary mail (RFC 3464 fields
// quoted in a text).
func looksLikeBounce(m *message) bool {
	if m.reportType == "delivery-status" || m.hdr.has("X-Failed-Recipients") || isSystemSender(m.from) {
		return true
	}
	if rp := strings.TrimSpace(m.hdr.get("Return-Path")); rp == "<>" || rp == "" && m.hdr.has("Return-Path") {
		return true
	}
	return headerWords.scan(lowerText(m.subject))&hdrBounce != 0
}

// mergeText completes the recipients read from delivery-status parts with what a detector found
// in the bounce text for the same address: missing diagnostic, remote MTA, reply code, command
// and hint, and a status code that refines the DSN's.
func mergeText(r *Report, text []Recipient) {
	if len(text) == 0 {
		return
	}
	for i := range r.Recipients {
		d := &r.Recipients[i]
		t := matchRecipient(text, d.Recipient)
		if t == nil && len(r.Recipients) == 1 && len(text) == 1 {
			t = &text[0]
		}
		if t == nil {
			continue
		}
		mergeRecipient(d, t)
	}
}

// mergeRecipient fills empty fields of d from t.
func mergeRecipient(d, t *Recipient) {
	if d.Diagnostic == "" || len(d.Diagnostic) < 8 && len(t.Diagnostic) > len(d.Diagnostic) {
		d.Diagnostic = t.Diagnostic
		d.DiagnosticStatus = ""
	}
	if d.RemoteMTA == "" {
		d.RemoteMTA = t.RemoteMTA
	}
	if d.ReplyCode == "" {
		d.ReplyCode = t.ReplyCode
	}
	if d.Command == "" {
		d.Command = t.Command
	}
	if d.Hint == "" {
		d.Hint = t.Hint
	}
	if d.Action == "" {
		d.Action = t.Action
	}
	if d.OriginalRecipient == "" {
		d.OriginalRecipient = t.OriginalRecipient
	}
	if d.DiagnosticStatus == "" && t.Status != "" {
		// The DSN's diagnostic had no code of its own: the text's is the remote server's.
		d.DiagnosticStatus = t.Status
		d.Status = refineStatus(d.Status, t.Status)
	}
}

// matchRecipient returns the recipient in rs with address addr (case-insensitive), or nil.
func matchRecipient(rs []Recipient, addr string) *Recipient {
	for i := range rs {
		if strings.EqualFold(rs[i].Recipient, addr) {
			return &rs[i]
		}
	}
	return nil
}

// textStatusBlock reads RFC 3464 fields written in the bounce text rather than in a
// message/delivery-status part, as many MTAs do.
func textStatusBlock(m *message) []Recipient {
	text := m.bounceText()
	i := indexLineFold(text, "final-recipient:")
	if i < 0 {
		i = indexLineFold(text, "original-recipient:")
	}
	if i < 0 {
		return nil
	}
	if j := indexLineFold(text, "reporting-mta:"); j >= 0 && j < i {
		i = j
	}
	block := text[i:]
	if end := originalMarker(block); end >= 0 {
		block = block[:end]
	}
	sf := parseStatusBody(m, block)
	var out []Recipient
	for _, g := range sf.recipients {
		if r, ok := recipientFromFields(g); ok {
			out = append(out, r)
		}
	}
	return out
}

// indexLineFold returns the offset of the first line of text that starts (after white space)
// with prefix, compared case-insensitively, or -1.
func indexLineFold(text []byte, prefix string) int {
	off := 0
	for len(text) > 0 {
		line, rest := cutLine(text)
		t := bytes.TrimLeft(line, " \t")
		if len(t) >= len(prefix) && equalFoldASCII(t[:len(prefix)], prefix) {
			return off + len(line) - len(t)
		}
		off += len(line) + 1
		text = rest
	}
	return -1
}

// tidyRecipients cleans the addresses, fills codes from the diagnostic, removes duplicates and
// recipients without an address, and sets format-independent hints.
func tidyRecipients(r *Report) {
	out := r.Recipients[:0]
	for _, rc := range r.Recipients {
		rc.Recipient = cleanAddress(rc.Recipient)
		if rc.Recipient == "" {
			continue
		}
		rc.Diagnostic = collapseSpace(rc.Diagnostic)
		if rc.DiagnosticStatus == "" {
			rc.DiagnosticStatus = findStatus(rc.Diagnostic)
		}
		if rc.Status == "" {
			rc.Status = rc.DiagnosticStatus
		}
		if rc.ReplyCode == "" {
			rc.ReplyCode = replyCodeOf(rc.Diagnostic)
		}
		if rc.Hint == "" {
			rc.Hint = hintOf(rc.Diagnostic)
		}
		if dup := matchRecipient(out, rc.Recipient); dup != nil {
			mergeRecipient(dup, &rc)
			continue
		}
		out = append(out, rc)
	}
	r.Recipients = out
}

// expiredPhrases say, in an MTA's words, that a message stayed queued too long.
var expiredPhrases = []string{
	"retry timeout exceeded", "retry time not reached for any host after a long failure period",
	"message expired", "delivery time expired", "too long in queue",
	"could not be delivered for", "was not delivered within", "message timed out",
	"delivery expired", "queue lifetime", "maximum time in queue", "unable to deliver for",
	"time limit exceeded", "expired after", "deferred too long",
}

// expiredWords are words of which every phrase of expiredPhrases has one (TestExpiredWords): a
// diagnostic with none of them, as most are, is not searched for the fifteen phrases.
var expiredWords = []string{"expire", "time", "queue", "deliver", "long"}

// hintOf returns a reason suggested by the wording of a diagnostic, or "".
func hintOf(diag string) string {
	if diag == "" {
		return ""
	}
	low := lowerASCII(diag)
	if !slices.ContainsFunc(expiredWords, func(w string) bool { return strings.Contains(low, w) }) {
		return ""
	}
	for _, p := range expiredPhrases {
		if strings.Contains(low, p) {
			return "expired"
		}
	}
	return ""
}
