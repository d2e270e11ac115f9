package dsn

import (
	"bytes"
	"strings"
)

// X3 is an unidentified MTA whose report is framed by lines of "=" characters: "Delivery to the
// following recipients failed permanently:" (sometimes misspelt "Delevery"), "   * user@example.org",
// then "Technical details:" and "SMTP:RCPT host 192.0.2.1: 553 5.3.0 ...".

var x3Detector = detector{name: "x3", match: matchX3, decode: decodeX3}

func matchX3(m *message) bool {
	return m.hasText("This is an automatically generated Delivery Status Notification.") &&
		(m.hasText("to the following recipients failed permanently:") || m.hasText("Technical details:"))
}

func decodeX3(m *message) []Recipient {
	text := m.bounceText()
	start := bytes.Index(text, []byte("to the following recipients failed"))
	if start < 0 {
		return nil
	}
	body := section(text[start:], "", "======")
	_, body = cutLine(body)
	rs := listRecipients(body, "failed")
	if i := bytes.Index(text, []byte("Technical details:")); i >= 0 {
		details := section(text[i:], "Technical details:", "======")
		diag := joinLines(details)
		for j := range rs {
			rs[j] = mergeNew(rs[j], newRecipient(rs[j].Recipient, diag, "failed"))
			if k := strings.Index(diag, " host "); k >= 0 {
				rs[j].RemoteMTA = strings.TrimSuffix(strings.Fields(diag[k+6:] + " x")[0], ":")
			}
			if strings.HasPrefix(diag, "SMTP:") {
				rs[j].Command = strings.Fields(diag[5:] + " x")[0]
			}
		}
	}
	return rs
}
