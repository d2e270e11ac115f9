package dsn

import (
	"bytes"
	"strings"
)

// The DragonFly Mail Agent (dma) writes one recipient per bounce:
//
//	This is the DragonFly Mail Agent v0.13 at host.example.org.
//	There was an error delivering your mail to <user@example.org>.
//	mx.example.org [192.0.2.1] did not like our RCPT TO:
//	550 5.1.1 <user@example.org>: Recipient address rejected: User unknown
//	Original message follows.  (or "Message headers follow.")

var dragonflyDetector = detector{name: "dragonfly", match: matchDragonfly, decode: decodeDragonfly}

func matchDragonfly(m *message) bool {
	return m.hasLine("This is the DragonFly Mail Agent") ||
		m.hasLine("There was an error delivering your mail to <")
}

func decodeDragonfly(m *message) []Recipient {
	const lead = "There was an error delivering your mail to "
	text := m.bounceText()
	i := bytes.Index(text, []byte(lead))
	if i < 0 {
		return nil
	}
	line, rest := cutLine(text[i+len(lead):])
	a := angleAddress(string(line))
	if a == "" {
		return nil
	}
	body := section(rest, "", "Original message follows.", "Message headers follow.")
	diag := joinLines(body)
	r := newRecipient(a, diag, "failed")
	if j := strings.Index(diag, " did not like our "); j > 0 {
		r.RemoteMTA = strings.Fields(diag[:j])[0]
		if k := strings.Index(diag[j:], ":"); k > 0 {
			if c := leadingReplyCode(diag[j+k+1:]); c != "" {
				r.ReplyCode = c
			}
		}
	}
	if strings.Contains(diag, "Could not deliver for the last") || strings.Contains(diag, "Giving up.") {
		r.Hint = "expired"
	}
	return []Recipient{r}
}
