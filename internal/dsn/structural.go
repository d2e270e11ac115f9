package dsn

import (
	"strconv"
	"strings"
)

// The structural decoder reads bounces in no format a detector knows, as a postmaster would:
// it weighs the signs that a message is a bounce (evidence), then takes as failed recipients
// the addresses that stand where failed recipients stand in the text before the returned
// message (candidates), each with the text around it as its diagnostic. Its records carry the
// format name "structural" and the classifier gives them a lower confidence.
//
// Evidence is weighed, not gated on one sign (weighEvidence): a null or system envelope
// sender, a system sender name, a bounce subject in one of many languages, Auto-Submitted,
// X-Failed-Recipients, a returned original, failure wording in the text. A message is a bounce
// by structure when the evidence adds up to structuralThreshold, the text (or the header)
// says that delivery failed or was delayed, and nothing says it is something else: a read
// receipt, a challenge-response, a list moderation notice, a frozen-message notice or a
// success report.

// structuralFormat is the Format of reports decoded by structure.
const structuralFormat = "structural"

// Weights of the signs of a bounce. The header signs must reach headerThreshold before the text
// is read at all, and all signs structuralThreshold.
const (
	weightEnvelope   = 2 // null or system envelope sender
	weightSender     = 2 // a mail system's name in From
	weightSubject    = 3 // a bounce or delay subject
	weightAutoSubmit = 1 // Auto-Submitted: auto-generated (or auto-replied from a system)
	weightFailedRcpt = 3 // X-Failed-Recipients
	weightOriginal   = 1 // the returned message is attached or quoted
	weightWording    = 2 // failure or delay wording in the text

	weightPersonalReply = -3 // a person's reply to a message (a question about a bounce, say)

	headerThreshold     = 2
	structuralThreshold = 4
)

// evidence is what made (or did not make) a message a bounce, for decoding and for explain.
type evidence struct {
	score   int
	failure bool     // the text says delivery failed
	delay   bool     // the subject or the text says delivery was delayed (and will be retried)
	xfr     bool     // X-Failed-Recipients is present
	not     string   // why the message is not a bounce despite the signs, or ""
	notes   []string // one line per sign, for explain
}

func (ev *evidence) add(w int, note string) {
	ev.score += w
	ev.notes = append(ev.notes, note+" (+"+strconv.Itoa(w)+")")
}

// isBounce reports whether the evidence makes m a bounce that the structural decoder reads:
// enough signs, and the text or X-Failed-Recipients says that delivery failed or was delayed.
func (ev *evidence) isBounce() bool {
	return ev.not == "" && ev.score >= structuralThreshold && (ev.failure || ev.delay || ev.xfr)
}

// strongHeaders is the evidence at which the header fields alone (a system sender and a bounce
// subject, say) make a message whose text lists recipients where failed recipients stand a
// bounce, without failure wording.
const strongHeaders = 6

// weighEvidence weighs the signs that m is a bounce. The text is read only when the header
// fields give some sign already: ordinary mail costs a few header look-ups.
func weighEvidence(m *message) evidence {
	var ev evidence
	rp := strings.TrimSpace(m.hdr.get("Return-Path"))
	switch {
	case rp == "<>" || rp == "" && m.hdr.has("Return-Path"):
		ev.add(weightEnvelope, "null envelope sender (Return-Path: <>)")
	case isSystemSender(rp):
		ev.add(weightEnvelope, "system envelope sender "+strconv.Quote(rp))
	}
	if headerWords.scan(lowerText(m.from))&hdrSender != 0 {
		ev.add(weightSender, "system sender "+strconv.Quote(m.from))
	}
	subj := lowerText(m.subject)
	switch sm := headerWords.scan(subj); {
	case sm&hdrDelay != 0:
		ev.delay = true
		ev.add(weightSubject, "delay subject "+strconv.Quote(m.subject))
	case sm&hdrBounce != 0:
		ev.add(weightSubject, "bounce subject "+strconv.Quote(m.subject))
	}
	as := lowerASCII(strings.TrimSpace(m.hdr.get("Auto-Submitted")))
	if strings.HasPrefix(as, "auto-generated") || strings.HasPrefix(as, "auto-notified") ||
		strings.HasPrefix(as, "auto-replied") && ev.score >= weightSender {
		ev.add(weightAutoSubmit, "Auto-Submitted: "+as)
	}
	if m.hdr.has("X-Failed-Recipients") {
		ev.xfr = true
		ev.add(weightFailedRcpt, "X-Failed-Recipients field")
	}
	if ev.score > 0 && personalReply(m, rp) {
		ev.add(weightPersonalReply, "a reply from a person (In-Reply-To or References, no system sender)")
	}
	if ev.score < headerThreshold {
		return ev
	}
	if m.originalPart() != nil {
		ev.add(weightOriginal, "returned message attached")
	} else if _, ok := findOriginal(m); ok {
		ev.add(weightOriginal, "returned message quoted in the text")
	}
	readWording(m, subj, &ev)
	return ev
}

// personalReply reports whether m is a person's reply: it answers another message
// (In-Reply-To, References) and neither its sender nor its envelope is a mail system's.
func personalReply(m *message, returnPath string) bool {
	if !m.hdr.has("In-Reply-To") && !m.hdr.has("References") {
		return false
	}
	return !isSystemSender(m.from) && !isSystemSender(returnPath) && returnPath != "<>" &&
		headerWords.scan(lowerText(m.from))&hdrSender == 0
}

// readWording reads the failure part of m for failure, delay and not-a-bounce wording.
func readWording(m *message, subj string, ev *evidence) {
	ft := m.failure()
	firstFail, firstDelay, firstModeration := -1, -1, -1
	success := false
	frozen := strings.Contains(subj, "frozen") && !strings.Contains(subj, "mailbox")
	for i, mask := range ft.mask {
		if mask == 0 {
			continue
		}
		if firstFail < 0 && mask&famFailure != 0 {
			firstFail = i
			ev.failure = true
			ev.add(weightWording, "failure wording "+strconv.Quote(families.first(ft.low[i], famFailure)))
		}
		if firstDelay < 0 && mask&famDelay != 0 {
			firstDelay = i
		}
		if firstModeration < 0 && mask&famModeration != 0 {
			firstModeration = i
		}
		success = success || mask&famSuccess != 0
		if firstFail < 0 && mask&famFrozen != 0 && strings.Contains(ft.low[i], "message") &&
			!strings.Contains(ft.low[i], "mailbox") {
			frozen = true
		}
	}
	if firstDelay >= 0 && (firstFail < 0 || ev.delay || firstDelay <= firstFail+2) {
		if !ev.failure {
			ev.add(weightWording, "delay wording")
		}
		ev.delay = true
	}
	switch {
	case frozen:
		ev.not = "a notice to the postmaster about a frozen message, not a bounce"
	case ft.challenge():
		ev.not = challengeWhy
	case firstModeration >= 0 && (firstFail < 0 || firstModeration < firstFail):
		ev.not = "a list moderation notice, not a bounce"
	case success && !ev.failure:
		ev.not = "a successful delivery report, not a bounce"
	}
}

// A challenge-response message (an automatic reply that holds a message until its sender
// proves to be a person) says so in at least minChallengeWords of challengeWords.
const (
	minChallengeWords = 2
	challengeWhy      = "a challenge-response asking the sender to confirm, not a bounce"
)

// challengeResponse says why m is a challenge-response message, or "".
func challengeResponse(m *message) string {
	if m.failure().challenge() {
		return challengeWhy
	}
	return ""
}

// challenge reports whether the text has at least minChallengeWords of challengeWords.
func (ft *failureText) challenge() bool {
	seen := map[string]bool{}
	for i, mask := range ft.mask {
		if mask&famChallenge == 0 {
			continue
		}
		for _, w := range challengeWords {
			if strings.Contains(ft.low[i], w) {
				seen[w] = true
			}
		}
	}
	return len(seen) >= minChallengeWords
}

// failure returns the failure part of m (see failureText), read once.
func (m *message) failure() *failureText {
	if m.failText == nil {
		m.failText = newFailureText(failureLines(m))
	}
	return m.failText
}

// failureLines returns the lines of the failure part of m: the bounce text before the returned
// message, at most maxFailureLines of them.
func failureLines(m *message) []string {
	text := m.bounceText()
	if end := originalMarker(text); end >= 0 {
		text = lastLineCut(text[:end])
	}
	if end := headerRunStart(text); end >= 0 {
		text = text[:end]
	}
	var out []string
	lines(text, func(line []byte) bool {
		if len(line) > 0 && line[0] == '>' && (len(line) == 1 || line[1] == ' ') {
			line = nil // a quoted line ("> ..."): someone else's text, not the bounce's
		}
		out = append(out, strings.TrimRight(string(line), " \t\r"))
		return len(out) < maxFailureLines
	})
	return out
}

// maxFailureLines bounds the lines of a bounce text the structural decoder reads.
const maxFailureLines = 2000

// headerRunStart returns the offset of the first line of text that starts a copy of the
// original header, or -1: a run of header fields with a trace or identification field
// (Received, Return-Path, Message-ID, MIME-Version), or of six fields at least. A short
// summary of the returned message ("From: ... To: ... Subject: ... Date: ...") that some
// notices write above their failure list does not end the failure part.
func headerRunStart(text []byte) int {
	for off := 0; off < len(text); {
		line, _ := cutLine(text[off:])
		if startsOriginal(line) {
			h := parseOriginalHeader(text[off:])
			if len(h.fields) >= 3 && (h.has("Message-ID") || h.has("Received") || h.has("Return-Path") ||
				h.has("MIME-Version") || len(h.fields) >= 6) {
				return off
			}
		}
		off += len(line) + 1
	}
	return -1
}

// decodeStructural decodes m by structure when the evidence makes it a bounce. It fills r and
// reports whether it found a recipient.
func decodeStructural(m *message, r *Report) bool {
	ev := weighEvidence(m)
	if ev.not != "" {
		r.NotBounceReason = ev.not
		return false
	}
	if ev.score < structuralThreshold {
		return false
	}
	rs, strong := structuralRecipients(m, &ev)
	if len(rs) == 0 || !ev.isBounce() && !(strong && ev.score >= strongHeaders) {
		return false
	}
	r.Kind, r.Format, r.Recipients = KindBounce, structuralFormat, rs
	r.Evidence = append(ev.notes, "bounce by structure: evidence "+strconv.Itoa(ev.score)+" of at least "+
		strconv.Itoa(structuralThreshold)+", "+strconv.Itoa(len(rs))+" recipient(s) where failed recipients stand")
	return true
}

// readReceipt says why m is a read receipt, or "": an RFC 8098 disposition notification whose
// disposition says the message was displayed, dispatched or processed, or a mail client's text
// notice ("Read: ...", "Gelesen: ...") that is not from a mail system. A disposition of
// "deleted" or "failed" is a rejection (the Sieve reject action of RFC 5429 answers with one),
// decoded as a bounce.
func readReceipt(m *message) string {
	for i := range m.parts {
		if p := &m.parts[i]; p.mtype == "message/disposition-notification" {
			if rejectedDisposition(p) {
				return ""
			}
			return "a read receipt (RFC 8098 disposition notification), not a bounce"
		}
	}
	if m.reportType == "disposition-notification" {
		return "a read receipt (RFC 8098 disposition notification), not a bounce"
	}
	if m.reportType == "delivery-status" || isSystemSender(m.from) {
		return ""
	}
	subj := lowerText(strings.TrimSpace(m.subject))
	for _, p := range readReceiptSubjects {
		if strings.HasPrefix(subj, p) {
			return "a read receipt (" + strconv.Quote(m.subject) + "), not a bounce"
		}
	}
	return ""
}

// rejectedDisposition reports whether a disposition notification says that the message was
// deleted unread or could not be processed (RFC 8098 section 3.2.6: disposition type "deleted",
// modifier "error" or "failed").
func rejectedDisposition(p *part) bool {
	var disp string
	lines(p.content(), func(line []byte) bool {
		if len(line) > 12 && equalFoldASCII(line[:12], "disposition:") {
			disp = lowerASCII(string(line[12:]))
			return false
		}
		return true
	})
	_, kind, _ := strings.Cut(disp, ";")
	return strings.Contains(kind, "deleted") || strings.Contains(kind, "failed") || strings.Contains(kind, "error")
}

// textDiagnostics completes the recipients of a delivery-status report that carry no
// diagnostic with the explanation the text gives next to the address (or, for a single
// recipient, the failure sentence of the text).
func textDiagnostics(m *message, r *Report) {
	missing := 0
	for i := range r.Recipients {
		if r.Recipients[i].Diagnostic == "" {
			missing++
		}
	}
	if missing == 0 {
		return
	}
	fl := m.failure()
	own := ownAddresses(m)
	var cs []candidate
	for i := range fl.lines {
		cs = fl.candidates(cs, i, own)
	}
	for i := range r.Recipients {
		rc := &r.Recipients[i]
		if rc.Diagnostic != "" {
			continue
		}
		var d string
		if k := matchCandidate(cs, rc.Recipient); k >= 0 && fl.telling(cs[k].diag) {
			d = cs[k].diag
		} else if len(r.Recipients) == 1 {
			d = joinNonEmpty(fl.sentence(fl.firstFailure()), fl.reasons())
		}
		if d = clip(collapseSpace(d), 1000); d != "" {
			rc.Diagnostic = d
			if rc.ReplyCode == "" {
				rc.ReplyCode = replyCodeOf(d)
			}
		}
	}
}
