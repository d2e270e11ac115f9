package dsn

import (
	"slices"
	"strings"
	"unicode"
)

// Candidates: the addresses of a bounce's failure part and how surely their position makes them
// failed recipients. Strong positions are the shapes MTAs give their recipient lists:
//
//	<user@example.org>:                    qmail, and every MTA that copied it
//	user@example.org: 550 reason           "addr: reason" (also "addr ... reason", "addr - reason")
//	unknown user: user@example.org         "reason: addr", "Recipient: addr", "Error-for: addr"
//	    user@example.org                   an address alone on a line under a failure sentence
//	SMTP=user@example.org / [SMTP:...]     Exchange 5.5 and 2000
//	user@example.org on 4/1/2024 10:00     Exchange 2000 and 2003
//	RCPT TO:<user@example.org>             an SMTP transcript
//	could not be delivered to user@...     an address in a failure sentence, after "to"
//
// An address that is only on a line with an SMTP reply or status code is a medium candidate,
// taken when there is no strong one; a "To: addr" line summarising the returned message is a
// weak one, taken alone when nothing else names a recipient. The bounce's own addresses, the
// original's sender, reply and list addresses, addresses in URLs and message identifiers are
// never candidates.

// Weights of candidate positions.
const (
	posWeak   = 1
	posMedium = 2
	posStrong = 3
)

// candidate is one address of the failure part.
type candidate struct {
	addr   string
	weight int
	line   int
	diag   string // the text that belongs to this address alone
}

// contextBefore and contextAfter are how many lines after (and before) a failure sentence an
// address alone on its line counts as introduced by it.
const contextBefore, contextAfter = 8, 3

// maxLineAddresses bounds the addresses read on one line: a recipient list has one per line,
// and a line of thousands is no list.
const maxLineAddresses = 32

// maxDiagnosticLines bounds the lines of explanation taken under one recipient.
const maxDiagnosticLines = 8

// structuralRecipients returns the failed recipients of m read by structure, and whether they
// stand in strong positions.
func structuralRecipients(m *message, ev *evidence) ([]Recipient, bool) {
	fl := m.failure()
	own := ownAddresses(m)
	var cs []candidate
	for i := range fl.lines {
		cs = fl.candidates(cs, i, own)
		if len(cs) >= maxRecipients {
			break
		}
	}
	cs = bestCandidates(cs, ev)
	shareListDiagnostics(cs)
	strong := len(cs) > 0 && cs[0].weight == posStrong
	if ev.xfr {
		cs = withFailedRecipients(cs, addressesIn(m.hdr.get("X-Failed-Recipients")))
	}
	action := "failed"
	if ev.delay && !fl.permanent() {
		action = "delayed"
	}
	ctx := fl.reasons()
	first := len(fl.lines)
	for _, c := range cs {
		if c.line >= 0 {
			first = min(first, c.line)
		}
	}
	pre := fl.preamble(first)
	rs := make([]Recipient, 0, len(cs))
	for _, c := range cs {
		diag := c.diag
		if !fl.telling(diag) {
			if pre == "" {
				diag = joinNonEmpty(diag, fl.sentence(c.line), ctx)
			} else {
				diag = joinNonEmpty(diag, pre, ctx)
			}
		} else if findStatus(diag) == "" && findReplyCode(diag) == "" && !strings.Contains(diag, ctx) {
			diag = joinNonEmpty(diag, ctx)
		}
		rs = append(rs, newRecipient(c.addr, clip(diag, 1000), action))
	}
	return rs, strong
}

// failureText is the failure part of a bounce, line by line, with each line lower-cased, the
// word families it has (families.scan) and whether it says that delivery failed or was
// delayed.
type failureText struct {
	lines []string
	low   []string
	mask  []wordMask
	fail  []bool
}

func newFailureText(ls []string) *failureText {
	ft := &failureText{lines: ls, low: make([]string, len(ls)), mask: make([]wordMask, len(ls)), fail: make([]bool, len(ls))}
	for i, l := range ls {
		ft.low[i] = lowerText(strings.TrimSpace(l))
		ft.mask[i] = families.scan(ft.low[i])
		ft.fail[i] = ft.mask[i]&(famFailure|famDelay) != 0
	}
	return ft
}

// permanentWords say that the sending MTA gave up: a delay wording elsewhere does not make the
// notice a warning.
var permanentWords = []string{
	"permanent", "given up", "giving up", "gave up", "will not be retried", "no further attempts",
	"removed from the mail queue", "fatal", "endgültig", "définitiv", "definitiv", "permanente",
}

// permanent reports whether the text says the failure is final.
func (ft *failureText) permanent() bool {
	for _, mask := range ft.mask {
		if mask&famPermanent != 0 {
			return true
		}
	}
	return false
}

// inContext reports whether line i is introduced by a failure sentence: one within
// contextBefore lines before it or contextAfter after it, or a line ending with a colon right
// above it.
func (ft *failureText) inContext(i int) bool {
	for j := max(0, i-contextBefore); j <= min(len(ft.lines)-1, i+contextAfter); j++ {
		if ft.fail[j] {
			return true
		}
	}
	for j := i - 1; j >= 0; j-- {
		if ft.low[j] != "" {
			return strings.HasSuffix(ft.low[j], ":")
		}
	}
	return false
}

// telling reports whether a diagnostic says why delivery failed: an SMTP code, or wording of
// a reason.
func (ft *failureText) telling(s string) bool {
	if s == "" {
		return false
	}
	return findStatus(s) != "" || findReplyCode(s) != "" || families.scan(lowerText(s))&famReason != 0
}

// firstFailure returns the index of the first line with failure wording, or -1.
func (ft *failureText) firstFailure() int {
	for i, f := range ft.fail {
		if f {
			return i
		}
	}
	return -1
}

// sentence returns the failure sentence nearest to line i: the paragraph of the closest
// failure line before it (or just after it).
func (ft *failureText) sentence(i int) string {
	j := -1
	if i < 0 {
		return ""
	}
	for k := min(i, len(ft.lines)-1); k >= 0; k-- {
		if ft.fail[k] {
			j = k
			break
		}
	}
	if j < 0 {
		for k := i + 1; k < len(ft.lines) && k <= i+contextAfter; k++ {
			if ft.fail[k] {
				j = k
				break
			}
		}
	}
	if j < 0 {
		return ""
	}
	start, end := j, j
	for start > 0 && ft.low[start-1] != "" && j-start < 3 {
		start--
	}
	for end+1 < len(ft.lines) && ft.low[end+1] != "" && end-j < 3 {
		end++
	}
	return joinLines([]byte(strings.Join(ft.lines[start:end+1], "\n")))
}

// reasonLabels start the lines where a bounce gives the reason of a failure apart from the
// address list.
var reasonLabels = []string{
	"reason", "error", "diagnostic", "remote host said", "remote server", "the error that",
	"status:", "smtp error", "explanation", "details", "cause", "problem", "grund", "fehler",
	"raison", "erreur", "motivo", "errore", "razão", "reden", "fout", "powód", "błąd", "причина",
	"ошибка", "原因", "理由", "사유", "오류", "orsak", "fel:", "důvod", "chyba", "sebep", "hata",
	"information", "technical details", "退信原因", "错误", "エラー", "because", "weil", "parce que", "debido a", "porque",
	"perché", "omdat", "ponieważ", "потому что", "protože",
}

// reasons returns the lines that give a reason apart from the addresses, joined: lines that
// start with a reason label ("Reason: ...", "Remote host said: ..."), and the line after one that
// announces it ("The problem appears to be :").
func (ft *failureText) reasons() string {
	var out []string
	for i, l := range ft.low {
		if l == "" || len(l) > 300 {
			continue
		}
		announces := strings.HasSuffix(l, ":") && len(l) < 120 && containsAny(l, reasonLabels)
		if !announces && !hasReasonLabel(l) {
			continue
		}
		s := strings.TrimSpace(ft.lines[i])
		if announces {
			s = lastClause(s)
			if n := ft.nextNonEmpty(i); n >= 0 {
				s += " " + strings.TrimLeft(strings.TrimSpace(ft.lines[n]), "-* ")
			}
		}
		out = append(out, s)
		if len(out) >= 4 {
			break
		}
	}
	return strings.Join(out, " ")
}

func hasReasonLabel(l string) bool {
	for _, p := range reasonLabels {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// lastClause returns the last sentence of a line.
func lastClause(s string) string {
	if k := strings.LastIndex(strings.TrimRight(s, ": "), ". "); k >= 0 {
		return strings.TrimSpace(s[k+2:])
	}
	return s
}

// nextNonEmpty returns the index of the first non-empty line after i, or -1.
func (ft *failureText) nextNonEmpty(i int) int {
	for j := i + 1; j < len(ft.low) && j <= i+3; j++ {
		if ft.low[j] != "" {
			return j
		}
	}
	return -1
}

// preamble returns the paragraphs with failure wording before line end: the explanation MTAs
// write above a list of addresses that has none of its own.
func (ft *failureText) preamble(end int) string {
	var out []string
	size := 0
	for i := 0; i < end && i < len(ft.lines) && size < 800; {
		j, fail := i, false
		for j < end && j < len(ft.lines) && ft.low[j] != "" {
			fail = fail || ft.fail[j]
			j++
		}
		if fail {
			for _, l := range ft.lines[i:j] {
				if t := strings.TrimSpace(l); !isRule([]byte(t)) {
					out = append(out, t)
					size += len(t)
				}
			}
		}
		i = j + 1
	}
	return strings.Join(out, " ")
}

// candidates appends the candidates of line i to cs.
func (ft *failureText) candidates(cs []candidate, i int, own map[string]bool) []candidate {
	t := strings.TrimSpace(ft.lines[i])
	if t == "" || !strings.Contains(t, "@") || skipLine(ft.low[i]) {
		return cs
	}
	for off, n := 0, 0; off < len(t) && n < maxLineAddresses && len(cs) < maxRecipients; n++ {
		at := strings.IndexByte(t[off:], '@')
		if at < 0 {
			break
		}
		at += off
		s, e := freeAddressAround(t, at)
		off = max(e, at+1)
		if s == e {
			continue
		}
		word := t[s:e]
		addr, label := splitTypedAddress(strings.Trim(word, ".'\"`"))
		if !isAddress(addr) || own[strings.ToLower(addr)] || isSystemMailbox(addr) ||
			strings.Contains(word, "/") || strings.Contains(word, "://") {
			continue
		}
		bs, be := expandBrackets(t, s, e)
		prefix, suffix := strings.TrimSpace(t[:bs]), strings.TrimSpace(t[be:])
		if displayName(prefix) || sameAddress(suffix, addr) {
			prefix, suffix = "", "" // "Name" <addr>, addr <addr>: the address alone
		}
		blk := ft.block(i)
		w, diag := ft.position(i, label, prefix, suffix, blk)
		if w == 0 || duplicateCandidate(cs, addr, i) {
			continue
		}
		diag = joinNonEmpty(diag, blk)
		cs = append(cs, candidate{addr: addr, weight: w, line: i, diag: diag})
	}
	return cs
}

// position weighs the position of an address on line i, from what comes before it on the line
// (prefix, and label when the address was written "SMTP=addr"), and after it (suffix). It
// returns the weight (0: not a candidate) and the text on the line that explains the failure.
func (ft *failureText) position(i int, label, prefix, suffix, blk string) (int, string) {
	lp := lowerText(prefix)
	if label != "" {
		return posStrong, suffix
	}
	if strings.HasSuffix(lp, "expanded from") || strings.HasSuffix(lp, "(expanded from") {
		return 0, ""
	}
	if strings.HasSuffix(lp, "generated from") {
		return posStrong, ""
	}
	if isBullet(lp) {
		return ft.leading(i, suffix, blk)
	}
	if strings.HasSuffix(lp, ":") || strings.HasSuffix(lp, "=") || strings.HasSuffix(lp, "：") {
		return ft.labelled(i, prefix, suffix)
	}
	before := lastWord(lp)
	switch {
	case isSenderWord(before) || before == "id" || before == "by" || strings.Contains(lp, "message-id") ||
		strings.Contains(lp, "message id"):
		return 0, "" // a sender, or an identifier that looks like an address

	case isToWord(before) && (ft.fail[i] || i > 0 && ft.fail[i-1] || i+1 < len(ft.fail) && ft.fail[i+1]):
		return posStrong, suffix
	}
	if findStatus(suffix) != "" || findReplyCode(prefix+" "+suffix) != "" {
		return posMedium, suffix
	}
	return 0, ""
}

// leading weighs an address that starts its line, with blk the explanation under it.
func (ft *failureText) leading(i int, suffix, blk string) (int, string) {
	ctx := ft.inContext(i) || ft.telling(blk)
	rest := strings.TrimLeft(suffix, ":,;.-–—> \t")
	switch {
	case isListLine(suffix):
		if ctx {
			return posStrong, ""
		}
		return posMedium, ""
	case strings.HasPrefix(suffix, ":") || strings.HasPrefix(suffix, "...") || strings.HasPrefix(suffix, "-") ||
		strings.HasPrefix(suffix, "–") || strings.HasPrefix(suffix, "(") || strings.HasPrefix(suffix, "["):
		if ft.telling(rest) || ctx {
			return posStrong, strings.Trim(rest, "()[] ")
		}
		return posMedium, rest
	case ft.telling(suffix):
		return posStrong, suffix
	}
	return 0, ""
}

// labelled weighs an address after a label ending in ":" or "=": "Recipient: addr", "unknown
// user: addr", "RCPT TO:<addr>", "To: addr".
func (ft *failureText) labelled(i int, prefix, suffix string) (int, string) {
	text := strings.TrimSpace(strings.TrimRight(strings.TrimSuffix(prefix, "："), ":= "))
	if k := strings.LastIndexAny(text, ";.!?"); k >= 0 {
		text = strings.TrimSpace(text[k+1:])
	}
	label := lowerText(text)
	switch {
	case label == "smtp" || strings.HasSuffix(label, "[smtp") || strings.HasSuffix(label, " smtp") || label == "rfc822":
		return posStrong, suffix
	case isSenderLabel(label):
		return 0, ""
	case strings.HasSuffix(label, "rcpt to") || label == "rcpt":
		return posStrong, suffix
	case containsAny(label, recipientLabels), families.scan(label)&(famFailure|famReason) != 0:
		return posStrong, joinNonEmpty(text, suffix)
	case isSummaryLabel(label):
		return posWeak, ""
	case len(label) < 40 && ft.inContext(i) && ft.telling(text+" "+suffix):
		return posMedium, joinNonEmpty(text, suffix)
	}
	return 0, ""
}

// block returns the explanation under the address of line i: the lines that follow it up to a
// blank line or the next address that starts a line, at most maxDiagnosticLines. Rules of
// dashes or stars are left out.
func (ft *failureText) block(i int) string {
	b := ft.paragraph(i + 1)
	if b == "" && i+1 < len(ft.lines) && ft.low[i+1] == "" {
		// "addr" alone, a blank line, then a short reason: the reason is the address's
		if p := ft.paragraph(i + 2); len(p) < 200 && ft.telling(p) {
			return p
		}
	}
	return b
}

// paragraph returns the lines from j to the next blank line or line that starts with an
// address, at most maxDiagnosticLines, joined.
func (ft *failureText) paragraph(j int) string {
	var b []string
	for ; j < len(ft.lines) && len(b) < maxDiagnosticLines; j++ {
		t := strings.TrimSpace(ft.lines[j])
		if t == "" || startsWithAddress(t) || endsWithAddress(t) || ft.fail[j] && strings.HasSuffix(t, ":") {
			break // a blank line, the next address, the introduction of another list
		}
		if !isRule([]byte(t)) {
			b = append(b, t)
		}
	}
	return strings.Join(b, " ")
}

// shareListDiagnostics gives the entries of a list of addresses on consecutive lines that
// have no explanation of their own the explanation under the list's last entry.
func shareListDiagnostics(cs []candidate) {
	for i := len(cs) - 2; i >= 0; i-- {
		if cs[i].diag == "" && cs[i+1].line == cs[i].line+1 {
			cs[i].diag = cs[i+1].diag
		}
	}
}

// bestCandidates keeps the candidates of the strongest class present: strong ones; else
// medium ones; else one weak one when it is the only address named.
func bestCandidates(cs []candidate, ev *evidence) []candidate {
	best := 0
	for _, c := range cs {
		best = max(best, c.weight)
	}
	out := cs[:0]
	for _, c := range cs {
		if c.weight == best && matchCandidate(out, c.addr) < 0 {
			out = append(out, c)
		}
	}
	if best == posWeak && (len(out) != 1 || !ev.failure) {
		return nil
	}
	return out
}

// withFailedRecipients makes the addresses of X-Failed-Recipients the recipients, each with the
// diagnostic of its candidate when the text names it.
func withFailedRecipients(cs []candidate, failed []string) []candidate {
	if len(failed) == 0 {
		return cs
	}
	out := make([]candidate, 0, len(failed))
	for _, a := range failed {
		c := candidate{addr: a, line: -1}
		if k := matchCandidate(cs, a); k >= 0 {
			c = cs[k]
		} else if len(cs) > 0 {
			c.line = cs[0].line
		}
		out = append(out, c)
	}
	return out
}

func matchCandidate(cs []candidate, addr string) int {
	for i := range cs {
		if strings.EqualFold(cs[i].addr, addr) {
			return i
		}
	}
	return -1
}

// duplicateCandidate reports whether addr was already taken on line i (a line that names it
// twice, "user@example.org <user@example.org>").
func duplicateCandidate(cs []candidate, addr string, i int) bool {
	for k := len(cs) - 1; k >= 0 && cs[k].line == i; k-- {
		if strings.EqualFold(cs[k].addr, addr) {
			return true
		}
	}
	return false
}

// splitTypedAddress splits "SMTP=addr", "SMTP:addr" and "RFC822;addr" into the address and its
// type.
func splitTypedAddress(w string) (addr, label string) {
	for _, sep := range []string{"=", ":", ";"} {
		if k := strings.Index(w, sep); k > 0 && k < strings.IndexByte(w, '@') {
			t := strings.ToLower(w[:k])
			if t == "smtp" || t == "rfc822" || strings.HasSuffix(t, "smtp") {
				return w[k+1:], t
			}
		}
	}
	return w, ""
}

// freeAddressAround returns the bounds of the address around the '@' at index at of a line of
// free text: the ASCII characters an address may have (RFC 5322 atext and dots in the local
// part; letters, digits, hyphens and dots in the domain). Free text is read strictly: a quoted
// local part or a non-ASCII character ends the address (structured fields accept them, see
// cleanAddress).
func freeAddressAround(t string, at int) (int, int) {
	s := at
	for s > 0 && isLocalChar(t[s-1]) {
		s--
	}
	e := at + 1
	for e < len(t) && isDomainChar(t[e]) {
		e++
	}
	for e > at+1 && (t[e-1] == '.' || t[e-1] == '-') {
		e--
	}
	for s < at && t[s] == '.' {
		s++
	}
	if s == at || e == at+1 {
		return at, at
	}
	return s, e
}

func isLocalChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c < 0x80 && strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
}

func isDomainChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// expandBrackets widens [s, e) over the brackets and quotes right around an address.
func expandBrackets(t string, s, e int) (int, int) {
	for s > 0 && e < len(t) && strings.IndexByte("<\"'[(", t[s-1]) >= 0 && strings.IndexByte(">\"']):", t[e]) >= 0 {
		s--
		e++
	}
	for s > 0 && strings.IndexByte("<\"'[(", t[s-1]) >= 0 {
		s--
	}
	for e < len(t) && strings.IndexByte(">\"'])", t[e]) >= 0 {
		e++
	}
	return s, e
}

// displayName reports whether the text before an address is a quoted display name.
func displayName(prefix string) bool {
	return len(prefix) >= 2 && prefix[0] == '"' && prefix[len(prefix)-1] == '"' && strings.Count(prefix, "\"") == 2
}

// sameAddress reports whether the text after an address repeats it in angle brackets.
func sameAddress(suffix, addr string) bool {
	return strings.HasPrefix(suffix, "<") && strings.EqualFold(angleAddress(suffix), addr) &&
		strings.TrimSpace(suffix[strings.IndexByte(suffix, '>')+1:]) == ""
}

// isListLine reports whether what follows an address on its line makes it an entry of a list:
// nothing, a separator, or an Exchange "on DATE".
func isListLine(suffix string) bool {
	s := strings.TrimSpace(suffix)
	switch s {
	case "", ":", ",", ";", ".":
		return true
	}
	return dateAfter(s)
}

// dateAfter reports whether s is a short word and a date, as Exchange writes after a recipient
// in its own language ("on 4/1/2025 10:20", "am 01.04.2025", "le 01/04/2025").
func dateAfter(s string) bool {
	w, rest, ok := strings.Cut(s, " ")
	rest = strings.TrimSpace(rest)
	if !ok || len(w) == 0 || len(w) > 3 || len(rest) == 0 || rest[0] < '0' || rest[0] > '9' {
		return false
	}
	for _, c := range w {
		if !unicode.IsLetter(c) {
			return false
		}
	}
	return true
}

// isBullet reports whether the text before an address is empty or a list bullet.
func isBullet(lp string) bool {
	switch strings.TrimSpace(lp) {
	case "", "*", "-", "--", "+", "•", "#", "o", "·", ">>", "->", "-->", "=>":
		return true
	}
	t := strings.TrimRight(lp, ".)")
	return len(t) > 0 && len(t) <= 3 && strings.Trim(t, "0123456789") == "" && len(t) < len(lp)
}

// startsWithAddress reports whether a trimmed line starts with an address (with or without
// angle brackets or quotes).
func startsWithAddress(t string) bool {
	w := firstWord(t)
	return isAddress(strings.Trim(cleanAddress(w), ".'\"")) && strings.ContainsAny(w, "@")
}

// endsWithAddress reports whether a trimmed line ends with an address after a label ("Unknown
// user: addr"): the line of another recipient.
func endsWithAddress(t string) bool {
	t = strings.TrimRight(t, ">]) .,;")
	at := strings.LastIndexByte(t, '@')
	if at < 0 {
		return false
	}
	s, e := freeAddressAround(t, at)
	if e != len(t) || s == e {
		return false
	}
	p := strings.TrimRight(t[:s], "<[(\"' ")
	return strings.HasSuffix(p, ":") || strings.HasSuffix(p, "：") || strings.HasSuffix(p, "=")
}

// skipLine reports whether a (lower-case) line never names a failed recipient: header fields
// of a quoted message, Received traces.
func skipLine(low string) bool {
	for _, p := range []string{"received:", "message-id:", "in-reply-to:", "references:", "return-path:",
		"x-", "content-", "dkim-", "list-", "sender:", "reply-to:", "errors-to:", "from:", "de:", "von:", "da:"} {
		if strings.HasPrefix(low, p) {
			return true
		}
	}
	return false
}

func lastWord(s string) string {
	s = strings.TrimRight(s, " \t,;\"'(")
	if i := strings.LastIndexAny(s, " \t(\"'"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func isToWord(w string) bool { return slices.Contains(toWords, w) }

func isSenderWord(w string) bool {
	switch w {
	case "from", "sender", "von", "de", "da", "van", "od", "от", "by", "absender", "expéditeur", "remitente", "mittente":
		return true
	}
	return false
}

func isSenderLabel(label string) bool {
	for _, s := range senderLabels {
		if label == s || strings.HasSuffix(s, "-") && strings.HasPrefix(label, s) ||
			strings.HasSuffix(label, " "+s) {
			return true
		}
	}
	return false
}

func isSummaryLabel(label string) bool { return slices.Contains(summaryLabels, label) }

// isSystemMailbox reports whether addr is a mail system's own mailbox, never a failed recipient
// in free text.
func isSystemMailbox(addr string) bool {
	local, _, _ := strings.Cut(lowerASCII(addr), "@")
	switch local {
	case "mailer-daemon", "mailerdaemon", "mail-daemon", "maildaemon", "mdaemon":
		return true
	}
	return false
}

// ownAddresses returns the lower-case addresses that are never failed recipients: those of the
// bounce's own header fields, the returned message's sender, reply and list addresses, and the
// list address behind a bounce sent to LIST-bounces, LIST-admin, LIST-owner or LIST-request
// (the convention of Mailman and the list managers that followed it).
func ownAddresses(m *message) map[string]bool {
	own := map[string]bool{}
	addAll := func(h header, names ...string) {
		for _, name := range names {
			for _, a := range addressesIn(strings.ReplaceAll(h.get(name), "mailto:", "")) {
				own[strings.ToLower(a)] = true
			}
		}
	}
	addAll(m.hdr, "From", "To", "Reply-To", "Sender", "Return-Path", "Cc", "Errors-To", "List-Post", "List-Owner", "List-Help")
	if h, ok := findOriginal(m); ok {
		addAll(h, "From", "Return-Path", "Sender", "Reply-To", "Errors-To", "List-Post", "List-Owner", "List-Help")
	}
	for _, a := range addressesIn(m.hdr.get("To")) {
		local, domain, _ := strings.Cut(strings.ToLower(a), "@")
		for _, suffix := range []string{"-bounces", "-admin", "-owner", "-request"} {
			if l, ok := strings.CutSuffix(local, suffix); ok {
				own[l+"@"+domain] = true
			}
			if i := strings.Index(local, suffix+"+"); i > 0 {
				own[local[:i]+"@"+domain] = true
			}
		}
	}
	return own
}

// joinNonEmpty joins the non-empty strings with a space.
func joinNonEmpty(ss ...string) string {
	var b strings.Builder
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

// clip cuts s to at most n bytes, at a character boundary (a UTF-8 sequence cut short is
// dropped whole).
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && s[len(s)-1]&0xc0 == 0x80 {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] >= 0xc0 {
		s = s[:len(s)-1]
	}
	return s
}

// addressesOnLine returns the mailbox addresses written on a line (outside URLs).
func addressesOnLine(s string) []string {
	var out []string
	for len(s) > 0 && len(out) < 16 {
		i := strings.IndexByte(s, '@')
		if i < 0 {
			break
		}
		start, end := wordAround(s, i)
		a := strings.Trim(s[start:end], ".'\"")
		if isAddress(a) && !strings.Contains(s[max(0, start-8):start], "://") && !strings.Contains(a, "/") {
			out = append(out, a)
		}
		s = s[end:]
	}
	return out
}
