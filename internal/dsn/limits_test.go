package dsn

import (
	"fmt"
	"strings"
	"testing"
)

// nestedDSN wraps a delivery-status report in depth levels of multipart/mixed after extra
// text parts.
func nestedDSN(depth, extra int) []byte {
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail Returned to Sender\n")
	b.WriteString("Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\n\n--r\n")
	for i := 0; i < extra; i++ {
		fmt.Fprintf(&b, "Content-Type: text/plain\n\nnote %d\n--r\n", i)
	}
	for d := 0; d < depth; d++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"n%d\"\n\n--n%d\n", d, d)
	}
	b.WriteString("Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" +
		"Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.1.1\n\n")
	for d := depth - 1; d >= 0; d-- {
		fmt.Fprintf(&b, "--n%d--\n", d)
	}
	b.WriteString("--r--\n")
	return []byte(b.String())
}

func TestDecodeWithLimits(t *testing.T) {
	cases := []struct {
		name       string
		msg        []byte
		lim        Limits
		recipients int
	}{
		{"defaults read depth 5", nestedDSN(5, 0), Limits{}, 1},
		{"depth 3 stops before the report", nestedDSN(5, 0), Limits{MaxDepth: 3}, 0},
		{"defaults read 10 parts", nestedDSN(0, 10), DefaultLimits, 1},
		{"5 parts stop before the report", nestedDSN(0, 10), Limits{MaxParts: 5}, 0},
	}
	for _, c := range cases {
		r, err := DecodeWith(c.msg, c.lim)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(r.Recipients) != c.recipients {
			t.Errorf("%s: %d recipients, want %d", c.name, len(r.Recipients), c.recipients)
		}
	}
}
