package dsn

import "strings"

// Sun Java System / Oracle Communications Messaging Server writes "Your message cannot be
// delivered to the following recipients:" and, per recipient, indented "Recipient address:",
// "Original address:", "Reason:", "Diagnostic code:" and "Remote system:" lines; PMDF, its
// predecessor, writes the local delivery's error lines ("%MAIL-E-OPENOUT, ...") there instead.
// A message/delivery-status part usually follows. The labelled per-recipient lines recognise the
// format when the introduction is translated.

var messagingServerDetector = detector{name: "messagingserver", match: matchMessagingServer, decode: decodeMessagingServer}

func matchMessagingServer(m *message) bool {
	return m.hasLine("Your message cannot be delivered to the following recipients:") ||
		m.hasLine("This report relates to a message you sent with the following header fields:") ||
		m.hasLine("Recipient address:") && (m.hasLine("Original address:") || m.hasLine("Reason:"))
}

func decodeMessagingServer(m *message) []Recipient {
	var rs []Recipient
	var cur *Recipient
	var reason, code string
	flush := func() {
		if cur != nil {
			diag := code
			if diag == "" {
				diag = reason
			}
			_, diag = splitDiagnostic(diag)
			remote := cur.RemoteMTA
			*cur = mergeNew(*cur, newRecipient(cur.Recipient, diag, cur.Action))
			cur.RemoteMTA = remote
			if code != "" && reason != "" {
				cur.Diagnostic = reason + ": " + cur.Diagnostic
			}
		}
		reason, code = "", ""
	}
	action := "failed"
	if m.subjectHas("Delivery Notification: Delay") || m.hasLine("Your message has not yet been delivered") {
		action = "delayed"
	}
	open := false // the lines under a recipient, up to a blank line
	lines(section(m.bounceText(), "delivered to the following recipients:"), func(line []byte) bool {
		t := strings.TrimSpace(string(line))
		k, v, ok := strings.Cut(t, ":")
		if t == "" {
			open = false
		}
		if !ok || strings.ContainsAny(k, "%!,") {
			// "%MAIL-E-OPENOUT, error opening ...", "-SYSTEM-F-EXDISKQUOTA, disk quota
			// exceeded": the local delivery's own error lines, without a label
			if open && t != "" && code == "" {
				reason = strings.TrimSpace(reason + " " + t)
			}
			return true
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Recipient address":
			flush()
			a := v
			if i := strings.LastIndexByte(v, ':'); i >= 0 && strings.HasPrefix(v, "@") {
				a = v[i+1:] // source route "@host:user@domain"
			}
			rs = append(rs, Recipient{Recipient: cleanAddress(a), Action: action})
			cur, open = &rs[len(rs)-1], true
		case "Original address":
			if cur != nil {
				cur.OriginalRecipient = cleanAddress(v)
				if !isAddress(cur.Recipient) {
					cur.Recipient = cur.OriginalRecipient
				}
			}
		case "Reason":
			reason = v
		case "Diagnostic code":
			code = v
		case "Remote system":
			if cur != nil {
				cur.RemoteMTA = hostOf(stripType(v))
			}
		}
		return len(rs) < maxRecipients
	})
	flush()
	return rs
}
