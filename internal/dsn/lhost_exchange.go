package dsn

import (
	"bytes"
	"strings"
)

// Microsoft Exchange Server 2007 and later, Exchange Online (Office 365) and Outlook.com write a
// human-readable part that ends with "Diagnostic information for administrators:" and
// "Generating server: HOST", then each recipient on a line of its own followed by the remote
// server's reply ("Remote Server returned '550 5.1.10 ...'" or "#550 5.1.1 RESOLVER... ##").
// Exchange Server 2000/2003 write "did not reach the following recipient(s):" and one
// "user@example.org on DATE" line per recipient followed by indented reasons; Exchange 5.5
// names the recipient by its X.400 address with the SMTP one inside ("c=US;a= ;p=ORG;...;
// dda:SMTP=user@example.org; on DATE"). Both end the reasons with an "MSEXCH:" line and give
// "The MTS-ID of the original message is: ...", by which the format is also recognised when
// the introduction is translated or rewritten.

var (
	office365Detector    = detector{name: "office365", match: matchOffice365, decode: decodeExchangeDiagnostics}
	exchange2007Detector = detector{name: "exchange2007", match: matchExchange2007, decode: decodeExchangeDiagnostics}
	exchange2003Detector = detector{name: "exchange2003", match: matchExchange2003, decode: decodeExchange2003}
)

func matchOffice365(m *message) bool {
	if !m.hasLine("Generating server:") && !m.hdr.has("X-MS-Exchange-Message-Is-Ndr") {
		return false
	}
	return m.hdr.has("X-MS-Exchange-Message-Is-Ndr") && (m.hasText(".outlook.com") || m.hasText(".exchangelabs.com")) ||
		m.hasText(".prod.outlook.com") || m.hasText(".mail.protection.outlook.com") || m.hasText(".prod.exchangelabs.com")
}

func matchExchange2007(m *message) bool {
	return m.hasLine("Generating server:") || m.hasLine("Diagnostic information for administrators:")
}

func matchExchange2003(m *message) bool {
	return m.hasLine("did not reach the following recipient(s):") ||
		m.hasLine("The following recipient(s) could not be reached:") ||
		m.hasText("MSEXCH:") || m.hasLine("The MTS-ID of the original message is:")
}

// decodeExchangeDiagnostics reads the "Generating server:" section.
func decodeExchangeDiagnostics(m *message) []Recipient {
	text := m.bounceText()
	i := bytes.Index(text, []byte("Generating server:"))
	if i < 0 {
		return nil
	}
	_, body := cutLine(text[i:])
	body = section(body, "", "Original message headers:", "Original Message Headers:")
	var rs []Recipient
	var diag []byte
	flush := func() {
		if n := len(rs); n > 0 {
			d := joinLines(diag)
			r := newRecipient(rs[n-1].Recipient, exchangeReply(d), "failed")
			r.Diagnostic = d
			if rs[n-1].RemoteMTA != "" {
				r.RemoteMTA = rs[n-1].RemoteMTA
			}
			rs[n-1] = r
		}
		diag = diag[:0]
	}
	remote := ""
	lines(body, func(line []byte) bool {
		t := strings.TrimSpace(string(line))
		switch {
		case t == "":
		case strings.HasPrefix(t, "Receiving server:"):
			remote = strings.Fields(t[17:] + " x")[0]
		case isAddress(t) || isAddress(cleanAddress(t)) && !strings.Contains(t, " "):
			flush()
			rs = append(rs, Recipient{Recipient: cleanAddress(t), RemoteMTA: remote})
		case len(rs) > 0:
			diag = append(append(diag, t...), '\n')
		}
		return len(rs) < maxRecipients
	})
	flush()
	return rs
}

// exchangeReply returns the remote server's reply in an Exchange diagnostic line: the text in
// "returned '...'" or between "#" and "##".
func exchangeReply(d string) string {
	if i := strings.Index(d, "returned '"); i >= 0 {
		return d[i+10:]
	}
	if strings.HasPrefix(d, "#") {
		return d[1:]
	}
	return d
}

// exchangeSMTPAddress returns the SMTP address of an Exchange 5.5 recipient line
// ("c=US;a= ;p=ORG;o=SITE;dda:SMTP=user@example.org; on DATE"), or "".
func exchangeSMTPAddress(t string) string {
	i := indexFold([]byte(t), "smtp=") // not on strings.ToUpper(t): that may change byte offsets
	if i < 0 || !strings.Contains(t[:i], "=") {
		return ""
	}
	a := t[i+5:]
	if j := strings.IndexAny(a, "; \t"); j >= 0 {
		a = a[:j]
	}
	if a = cleanAddress(a); isAddress(a) {
		return a
	}
	return ""
}

// decodeExchange2003 reads "user@example.org on DATE" lines (the "on" in the server's language)
// and their indented reasons.
func decodeExchange2003(m *message) []Recipient {
	text := m.bounceText()
	start := ""
	for _, s := range []string{"did not reach the following recipient(s):", "The following recipient(s) could not be reached:"} {
		if bytes.Contains(text, []byte(s)) {
			start = s
			break
		}
	}
	body := section(text, start)
	var rs []Recipient
	var diag []byte
	flush := func() {
		if n := len(rs); n > 0 {
			rs[n-1] = mergeNew(rs[n-1], newRecipient(rs[n-1].Recipient, joinLines(diag), "failed"))
		}
		diag = diag[:0]
	}
	lines(body, func(line []byte) bool {
		t := strings.TrimSpace(string(line))
		if t == "" {
			return true
		}
		if a := exchangeSMTPAddress(t); a != "" {
			flush()
			rs = append(rs, Recipient{Recipient: a})
			return true
		}
		if w, rest, _ := strings.Cut(t, " "); indent(line) == 0 && start != "" || dateAfter(rest) || w == t {
			if a := cleanAddress(w); isAddress(a) {
				flush()
				rs = append(rs, Recipient{Recipient: a})
				return true
			}
		}
		if len(rs) > 0 {
			diag = append(append(diag, t...), '\n')
		}
		return len(rs) < maxRecipients
	})
	flush()
	return rs
}
