package dsn

import "strings"

// MDaemon (Alt-N, now MDaemon Technologies) sends its bounces from MDaemon@HOST, with its own
// header fields (X-MDaemon-Deliver-To, X-MDDSN-Message). A refused local recipient reads
// "user@example.org - no such user here." (the subject repeats it: "Warning: user@example.org -
// User unknown!"); a remote failure quotes the session transcript between "--- Session
// Transcript ---" and "--- End Transcript ---", where "--> RCPT TO:<user@example.org>" is
// answered by "<-- 550 ...". Both shapes are positions the structural reading takes (an
// address followed by " - reason", RCPT TO in a transcript).

var mdaemonDetector = detector{name: "mdaemon", match: matchMDaemon, decode: decodeWithStructure}

func matchMDaemon(m *message) bool {
	return m.fromHas("mdaemon@") || m.hdr.has("X-MDDSN-Message") || m.hdr.has("X-MDaemon-Deliver-To") ||
		m.hasLine("--- Session Transcript ---") && m.hasLine("--- End Transcript ---")
}

// decodeWithStructure decodes a recognised format whose recipients stand where the structural
// reading finds them (structural_rcpt.go), with the format's own name.
func decodeWithStructure(m *message) []Recipient {
	ev := weighEvidence(m)
	ev.failure = true
	rs, _ := structuralRecipients(m, &ev)
	return rs
}

// GroupWise (Novell, then Micro Focus) writes, through its Internet Agent, "The message that you
// sent was undeliverable to the following:" or "The attached file had the following
// undeliverable recipient(s):" with the addresses under it, each alone on its line or followed
// by the reason in parentheses, then the transcript of the session or "Possible causes".

var groupwiseDetector = detector{name: "groupwise", match: matchGroupWise, decode: decodeWithStructure}

func matchGroupWise(m *message) bool {
	return strings.Contains(lowerASCII(m.hdr.get("X-Mailer")), "groupwise") && looksLikeBounce(m) ||
		m.hasText("had the following undeliverable recipient") || m.hasText("was undeliverable to the following")
}
