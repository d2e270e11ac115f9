package dsn

import (
	"strings"
)

// autoReplySubjects are lower-case subject prefixes of vacation and out-of-office replies.
var autoReplySubjects = []string{
	"auto:", "auto reply", "auto-reply", "autoreply", "auto response", "autorespons", "automatic reply",
	"automatic response", "automatische antwort", "automatisch antwoord", "out of office", "out of the office",
	"ooo:", "abwesenheitsnotiz", "abwesend", "réponse automatique", "reponse automatique", "absence",
	"respuesta automática", "respuesta automatica", "risposta automatica", "resposta automática",
	"autosvar", "automaattinen vastaus", "automatyczna odpowiedź", "vacation", "on vacation", "away until",
	"away from", "i am away", "i'm away", "i am out", "i'm out", "自動応答", "自動返信", "不在",
}

// autoReplyReason reports why m is an RFC 3834 automatic reply, or "" when it is not. Strong
// signals are the Auto-Submitted: auto-replied field (RFC 3834 section 5.1) and the X-Autoreply,
// X-Autorespond and Precedence: auto_reply fields set by vacation programs; a vacation-like
// subject counts when the message is also a reply. Messages from MAILER-DAEMON or postmaster
// are never auto-replies: they are unrecognised bounces.
func autoReplyReason(m *message) string {
	if isSystemSender(m.from) {
		return ""
	}
	as := strings.ToLower(m.hdr.get("Auto-Submitted"))
	switch {
	case strings.HasPrefix(as, "auto-replied"):
		return "Auto-Submitted: auto-replied"
	case m.hdr.has("X-Autoreply") || m.hdr.has("X-Autorespond") || m.hdr.has("X-Autoreply-From") ||
		m.hdr.has("X-Mail-Autoreply") || m.hdr.has("X-Vacation"):
		return "X-Autoreply field"
	case strings.EqualFold(m.hdr.get("Precedence"), "auto_reply"):
		return "Precedence: auto_reply"
	}
	subj := strings.ToLower(strings.TrimSpace(m.subject))
	for _, p := range autoReplySubjects {
		if strings.HasPrefix(subj, p) && (isReply(m) || strings.Contains(p, ":") || strings.HasPrefix(subj, p+":")) {
			return "auto-reply subject"
		}
	}
	return ""
}

// isReply reports whether m answers another message or was sent with a null return path.
func isReply(m *message) bool {
	rp := strings.TrimSpace(m.hdr.get("Return-Path"))
	return m.hdr.has("In-Reply-To") || m.hdr.has("References") || rp == "<>" || m.hdr.has("X-Auto-Response-Suppress")
}

// isSystemSender reports whether a From value names a mail system rather than a person.
func isSystemSender(from string) bool {
	f := strings.ToLower(from)
	for _, s := range []string{"mailer-daemon", "postmaster", "mail delivery", "mail-daemon", "maildaemon", "mailerdaemon"} {
		if strings.Contains(f, s) {
			return true
		}
	}
	return false
}

// decodeAutoReply fills r for an auto-reply: the recipient is the sender of the reply (the
// person who is away), with the hint "vacation".
func decodeAutoReply(m *message, r *Report, why string) {
	r.Kind = KindAutoReply
	r.Format = "rfc3834"
	r.NotBounceReason = why
	a := findAddress(m.from)
	if a == "" {
		a = findAddress(m.hdr.get("Reply-To"))
	}
	if a == "" {
		return
	}
	r.Recipients = append(r.Recipients, Recipient{
		Recipient:  a,
		Diagnostic: firstWords(m.bounceText(), 240),
		Hint:       "vacation",
	})
}

// firstWords returns the start of text with white space collapsed, at most n bytes.
func firstWords(text []byte, n int) string {
	if len(text) > 4*n {
		text = text[:4*n]
	}
	return clip(strings.Join(strings.Fields(string(text)), " "), n)
}
