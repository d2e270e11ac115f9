package dsn

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// bigMessages builds hostile messages of about size bytes each.
func bigMessages(size int) map[string][]byte {
	const dsnHead = "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail Returned to Sender\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
	rep := func(s string) string { return strings.Repeat(s, size/len(s)+1) }
	return map[string][]byte{
		"huge text body": []byte("From: MAILER-DAEMON@example.org\nSubject: failure notice\n\n" +
			"Hi. This is the qmail-send program at example.org.\n\n<a@example.com>:\n550 5.1.1 no\n\n" +
			"--- Below this line is a copy of the message.\n\n" + rep("x y z <b@example.com>: 550 5.1.1 \n")),
		"huge attachment": []byte(dsnHead + "--b\nContent-Type: text/plain\n\nThe mail system\n\n<a@example.com>: 550 5.1.1 x\n" +
			"--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.1.1\n" +
			"--b\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" + rep("QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\n") + "\n--b--\n"),
		"huge base64 text part": []byte(dsnHead + "--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" +
			rep("VGhpcyBpcyB0aGUgbWFpbCBzeXN0ZW0gYXQgaG9zdAo8YUBleGFtcGxlLmNvbT46IDU1MCA1LjEuMSB4Cg==\n") + "--b--\n"),
		"many parts": []byte(dsnHead + rep("--b\nContent-Type: text/plain\n\n<a@example.com>: 550 5.1.1\n")),
		"deep nesting": []byte("From: MAILER-DAEMON@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary=\"b\"\n\n" +
			strings.Repeat("--b\nContent-Type: multipart/mixed; boundary=\"b\"\n\n", 100000) + rep("z")),
		"huge header":        []byte("From: MAILER-DAEMON@example.org\nSubject: x\nX-Long: " + rep("a ") + "\n\nbody\n"),
		"many header fields": []byte("From: MAILER-DAEMON@example.org\n" + rep("X-F: v\n") + "\nbody\n"),
		"folded header":      []byte("From: MAILER-DAEMON@example.org\nSubject: x" + rep("\n y") + "\n\nbody\n"),
		"many recipients": []byte(dsnHead + "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n" +
			rep("Final-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.1.1\n\n") + "--b--\n"),
		"boundary-like lines": []byte(dsnHead + rep("--bx\n--b-\n")),
		"carriage returns":    []byte("From: MAILER-DAEMON@example.org\rSubject: x\r\r" + rep("\r")),
		"html":                []byte("From: MAILER-DAEMON@example.org\nSubject: x\nContent-Type: text/html\n\n" + rep("<style>a{}<p>x<br>")),
		"json":                []byte("From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n{" + rep("\"a\":[") + "}"),
	}
}

// TestLargeMessages checks that hostile messages decode in bounded time. The limits documented
// on Decode keep a 50 MB message under two seconds.
func TestLargeMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	size := 50 << 20
	for name, data := range bigMessages(size) {
		start := time.Now()
		r, err := Decode(data)
		d := time.Since(start)
		if d > 2*time.Second {
			t.Errorf("%s: %d bytes took %v", name, len(data), d)
		}
		if err == nil {
			checkReport(t, name, r)
			if len(r.Recipients) > maxRecipients {
				t.Errorf("%s: %d recipients", name, len(r.Recipients))
			}
		}
		t.Logf("%s: %d MB in %v, err %v", name, len(data)>>20, d.Round(time.Millisecond), err)
	}
}

// TestLinearTime checks that decoding time grows linearly: eight times the input may not take
// more than about sixteen times as long.
func TestLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	small, large := bigMessages(1<<20), bigMessages(8<<20)
	for name := range small {
		ts := timeDecode(small[name])
		tl := timeDecode(large[name])
		if tl > 16*ts+50*time.Millisecond {
			t.Errorf("%s: 1 MB in %v, 8 MB in %v: not linear", name, ts, tl)
		}
	}
}

func timeDecode(data []byte) time.Duration {
	best := time.Duration(1 << 62)
	for i := 0; i < 3; i++ {
		start := time.Now()
		_, _ = Decode(bytes.Clone(data))
		best = min(best, time.Since(start))
	}
	return best
}
