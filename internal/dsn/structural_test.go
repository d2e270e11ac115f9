package dsn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bounceOf builds a bounce from a mail system with the given subject and text, the usual
// envelope of the messages the structural decoder reads.
func bounceOf(subject, text string) []byte {
	return []byte("Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n" +
		"To: news@shop.example\nSubject: " + subject + "\nDate: Tue, 14 Oct 2025 08:00:00 +0000\n\n" + text)
}

// TestStructuralPositions checks, shape by shape, which addresses of a bounce text the
// structural decoder takes as failed recipients: the positions MTAs give them, and never the
// senders, list addresses, URLs or message identifiers around them.
func TestStructuralPositions(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"qmail-like paragraph", "We could not deliver your message.\n\n<a@example.org>:\nmailbox full\n", []string{"a@example.org"}},
		{"addr: reason", "Delivery failed for:\n\nb@example.org: 550 5.1.1 unknown\n", []string{"b@example.org"}},
		{"addr ... reason", "The following addresses failed:\nc@example.org... User unknown\n", []string{"c@example.org"}},
		{"addr - reason", "Delivery failed.\nd@example.org - no such user here.\n", []string{"d@example.org"}},
		{"reason: addr", "Your message was rejected.\nUnknown user: e@example.org\n", []string{"e@example.org"}},
		{"recipient label", "Delivery failed.\nIntended recipient: f@example.org\n", []string{"f@example.org"}},
		{"alone under a sentence", "Could not be delivered to the following recipients:\n\n    g@example.org\n    h@example.org\n", []string{"g@example.org", "h@example.org"}},
		{"exchange X.400", "Your message did not reach these recipients:\n\nc=US;a= ;p=ORG;dda:SMTP=i@example.org; on 4/1/2025\n    unknown\n", []string{"i@example.org"}},
		{"exchange SMTP bracket", "Delivery has failed to these recipients:\nRecipient: [SMTP:j@example.org]\n", []string{"j@example.org"}},
		{"exchange on DATE", "Your message did not reach some recipients.\n\nk@example.org on 4/1/2025 10:20 AM\n   The e-mail address could not be found.\n", []string{"k@example.org"}},
		{"rcpt transcript", "An error occurred while delivering:\n>>> MAIL FROM:<news@shop.example>\n>>> RCPT TO:<l@example.org>\n<<< 550 5.1.1 unknown\n", []string{"l@example.org"}},
		{"address after to", "Your message to m@example.org could not be delivered: mailbox is full.\n", []string{"m@example.org"}},
		{"address after from is a sender", "Your mail could not be delivered because they are not accepting mail from list@lists.example.com:\n\tn@example.org\n", []string{"n@example.org"}},
		{"bilingual counted once", "Votre message n'a pas pu être remis à\no@example.org\n\nYour message could not be delivered to\no@example.org\n", []string{"o@example.org"}},
		{"contact address in a URL", "Delivery failed for p@example.org: user unknown.\nSee http://help.example.net/bounce?addr=q@example.org for help.\n", []string{"p@example.org"}},
		{"mailer-daemon never", "Undeliverable to r@example.org: quota exceeded.\nMAILER-DAEMON@mx.example.net\n", []string{"r@example.org"}},
		{"own To never", "news@shop.example: your message to s@example.org could not be delivered: unknown user\n", []string{"s@example.org"}},
		{"message id in a sentence never", "Your message with Message-ID <20251014.77@shop.example> could not be delivered: 550 5.1.1 unknown user\n", nil},
		{"message id never", "Delivery failed: unknown user t@example.org\nMessage-ID: <1234.5678@mx.example.net>\n", []string{"t@example.org"}},
		{"summary To alone", "I'm afraid I wasn't able to deliver the following message.\nThis is a permanent error.\n\nSubject: hello\nTo: u@example.org\n", []string{"u@example.org"}},
		{"summary To loses to a strong position", "Your message\n  To: v-list@example.org\ndid not reach these recipients:\n\nw@example.org on 4/1/2025\n", []string{"w@example.org"}},
		{"nothing where recipients stand", "The following mail could not be delivered.\nReason: Exceeded Maximum Delivery Attempts.\n", nil},
		{"quoted original is not read", "Delivery failed.\n\n<x@example.org>:\nno such user\n\n----- Original message -----\nFrom: news@shop.example\nTo: y@example.org\nSubject: hi\nMessage-ID: <m1@shop.example>\n", []string{"x@example.org"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := Decode(bounceOf("Undelivered Mail", c.text))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, rc := range r.Recipients {
				got = append(got, rc.Recipient)
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("recipients %v, want %v (kind %s, format %s)", got, c.want, r.Kind, r.Format)
			}
			if len(c.want) > 0 && r.Format != structuralFormat {
				t.Errorf("format %q, want %q", r.Format, structuralFormat)
			}
		})
	}
}

// TestStructuralEvidence checks that the signs of a bounce are weighed rather than one of them
// deciding, and that the messages that carry the signs without being bounces are left out with
// why.
func TestStructuralEvidence(t *testing.T) {
	const failure = "Your message could not be delivered to the following recipient:\n\n    a@example.org\n"
	for _, c := range []struct {
		name, msg string
		bounce    bool
		why       string
	}{
		{"system sender and subject", string(bounceOf("Undeliverable: hello", failure)), true, ""},
		{"subject alone is not enough", "From: Ann <ann@example.com>\nTo: b@shop.example\nSubject: undeliverable mail?\n\nCan you check a@example.org for me?\n", false, ""},
		{"a person asking about a failure", "From: Ann <ann@example.com>\nTo: b@shop.example\nSubject: Re: Undelivered mail\nIn-Reply-To: <q@shop.example>\n\nMy mail to c@example.org could not be delivered, can you help?\n", false, ""},
		{"a reply quoting a bounce", "From: Ann <ann@example.com>\nTo: b@shop.example\nSubject: Re: Undeliverable: hello\nIn-Reply-To: <x@example.com>\n\nWhat does this mean?\n\n> Your message could not be delivered to the following recipient:\n>\n>     a@example.org\n", false, ""},
		{"subject and failure wording", "From: Gateway <gw@example.com>\nTo: b@shop.example\nSubject: Mail non remis\n\n" + failure, true, ""},
		{"sender and failure wording", "From: postmaster@example.com\nTo: b@shop.example\nSubject: hello\n\n" + failure, true, ""},
		{"ordinary mail quoting a bounce", "From: Ann <ann@example.com>\nTo: b@shop.example\nSubject: question\n\n" + failure, false, ""},
		{"failure wording in German", string(bounceOf("Fehler", "Ihre Nachricht konnte nicht zugestellt werden an:\n\n    a@example.org\n")), true, ""},
		{"failure wording in Russian", string(bounceOf("Ошибка", "Сообщение не было доставлено:\n\n    a@example.org\n")), true, ""},
		{"failure wording in Chinese", string(bounceOf("系统退信", "您的邮件无法投递到以下地址：\n\n    a@example.org\n")), true, ""},
		{"moderation notice", string(bounceOf("Your message awaits moderator approval", "Your post is held for moderation.\nIf rejected, it could not be delivered to club@lists.example.org.\n")), false, "moderation"},
		{"frozen message", string(bounceOf("Message 1abc-0002 is frozen", "Message 1abc-0002 has been frozen: delivery to a@example.org failed.\n")), false, "frozen"},
		{"success report", string(bounceOf("Delivery Notification", "Your message was successfully delivered to a@example.org.\n")), false, "success"},
		{"challenge-response", string(bounceOf("Please verify your message", "Your message to a@example.org could not be delivered until you verify that you are a human.\nClick the link below to verify and join my approved senders.\n")), false, "challenge"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := Decode([]byte(c.msg))
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Kind == KindBounce; got != c.bounce {
				t.Fatalf("bounce %v, want %v (kind %s, why %q, recipients %v)", got, c.bounce, r.Kind, r.NotBounceReason, recipientList(r.Recipients))
			}
			if c.why != "" && !strings.Contains(r.NotBounceReason, c.why) {
				t.Errorf("why %q, want it to name %q", r.NotBounceReason, c.why)
			}
			if c.bounce && (r.Format != structuralFormat || len(r.Evidence) == 0) {
				t.Errorf("format %q with evidence %q, want %q with its evidence", r.Format, r.Evidence, structuralFormat)
			}
		})
	}
}

// TestStructuralDelay checks that a delay warning gives delayed recipients, and a notice that
// gave up does not.
func TestStructuralDelay(t *testing.T) {
	for _, c := range []struct{ subject, text, want string }{
		{"Delivery delayed", "Your message to a@example.org has not yet been delivered. We will keep trying for 3 days.\n", "delayed"},
		{"Warning", "Delivery to the following recipient is delayed, still trying:\n\n    a@example.org\n", "delayed"},
		{"Undeliverable", "Your message to a@example.org could not be delivered; we tried for 5 days and gave up.\n", "failed"},
	} {
		r, err := Decode(bounceOf(c.subject, c.text))
		if err != nil || len(r.Recipients) != 1 {
			t.Fatalf("%q: %v, recipients %v", c.text, err, r.Recipients)
		}
		if got := r.Recipients[0].Action; got != c.want {
			t.Errorf("%q: action %q, want %q", c.text, got, c.want)
		}
	}
}

// TestFieldAddresses checks that structured fields take the addresses MTAs write there that
// free text does not: a one-label domain, a quoted local part, an IDN domain, "rfc822;" in any
// case; and that free text stays strict.
func TestFieldAddresses(t *testing.T) {
	for _, c := range []struct {
		in           string
		field, free  bool
		cleanedField string
	}{
		{"RFC822; <user@localhost>", true, false, "user@localhost"},
		{"rfc822;userx@domain1", true, false, "userx@domain1"},
		{`Rfc822; "john smith"@example.org`, true, false, `"john smith"@example.org`},
		{"rfc822; ana@bücher.example", true, true, "ana@bücher.example"},
		{"rfc822; a@example.org", true, true, "a@example.org"},
		{"rfc822; @relay.example:user@host", false, false, ""},
		{"rfc822; no-at-sign", false, false, ""},
		{"rfc822; a@-bad", false, false, ""},
	} {
		a := cleanAddress(c.in)
		if got := isFieldAddress(a); got != c.field {
			t.Errorf("isFieldAddress(cleanAddress(%q) = %q) = %v, want %v", c.in, a, got, c.field)
		}
		if got := isAddress(a); got != c.free {
			t.Errorf("isAddress(%q) = %v, want %v", a, got, c.free)
		}
		if c.field && a != c.cleanedField {
			t.Errorf("cleanAddress(%q) = %q, want %q", c.in, a, c.cleanedField)
		}
	}
	// free text: an address ends at a quote or a non-ASCII character
	for _, c := range []struct{ line, want string }{
		{"收件人：li@163.com", "li@163.com"},
		{`"joe"@example.org failed`, ""},
		{"see <a@example.org>.", "a@example.org"},
	} {
		at := strings.IndexByte(c.line, '@')
		s, e := freeAddressAround(c.line, at)
		got := c.line[s:e]
		if strings.HasPrefix(c.line[s:], "\"") || !isAddress(got) {
			got = ""
		}
		if got != c.want && !(c.want == "" && !strings.HasPrefix(got, "joe")) {
			t.Errorf("freeAddressAround(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

// TestReadReceipts checks that RFC 8098 notices are not bounces unless their disposition says
// the message was refused.
func TestReadReceipts(t *testing.T) {
	mdn := func(disp string) []byte {
		return []byte("From: Ann <ann@example.org>\nTo: news@shop.example\nSubject: Read: hello\n" +
			"Content-Type: multipart/report; report-type=disposition-notification; boundary=B\n\n" +
			"--B\nContent-Type: text/plain\n\nYour message was rejected or read.\n\n" +
			"--B\nContent-Type: message/disposition-notification\n\nReporting-UA: example\n" +
			"Final-Recipient: rfc822; ann@example.org\nDisposition: " + disp + "\n\n--B--\n")
	}
	for _, c := range []struct {
		disp   string
		bounce bool
	}{
		{"manual-action/MDN-sent-manually; displayed", false},
		{"automatic-action/MDN-sent-automatically; dispatched", false},
		{"automatic-action/MDN-sent-automatically; deleted", true},
		{"automatic-action/MDN-sent-automatically; processed/error", true},
	} {
		r, err := Decode(mdn(c.disp))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Kind == KindBounce && len(r.Recipients) == 1; got != c.bounce {
			t.Errorf("%s: bounce %v, want %v (kind %s, why %q)", c.disp, got, c.bounce, r.Kind, r.NotBounceReason)
		}
	}
}

// FuzzStructural checks that the structural decoder never panics or hangs, and that what it
// takes is always a well-formed address that is not one of the bounce's own, with a bounded
// diagnostic (made valid UTF-8 by Decode, as checkReport checks). It is seeded from the decoder
// fixtures and the hostile messages of testdata.
func FuzzStructural(f *testing.F) {
	for _, pat := range []string{filepath.Join(fixtureDir, "*.eml"), filepath.Join("..", "..", "testdata", "hostile", "*")} {
		names, _ := filepath.Glob(pat)
		for _, name := range names {
			if data, err := os.ReadFile(name); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add(bounceOf("Undeliverable", "Delivery failed:\n\n<a@example.org>:\nno such user\n"))
	f.Add(bounceOf("failure notice", "unknown user: b@example.org\nSMTP=c@example.org; on 1/1/2025\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		m := parseMessage(normalizeEOL(data), DefaultLimits)
		defer m.release()
		ev := weighEvidence(m)
		rs, _ := structuralRecipients(m, &ev)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("structural decoding took %v", d)
		}
		if len(rs) > maxRecipients {
			t.Fatalf("%d recipients", len(rs))
		}
		own := ownAddresses(m)
		for _, r := range rs {
			if !isFieldAddress(r.Recipient) {
				t.Errorf("recipient %q is not an address", r.Recipient)
			}
			if own[strings.ToLower(r.Recipient)] && !ev.xfr {
				t.Errorf("recipient %q is one of the bounce's own addresses", r.Recipient)
			}
			if len(r.Diagnostic) > 1000 {
				t.Errorf("diagnostic of %d bytes", len(r.Diagnostic))
			}
		}
		if r, err := Decode(data); err == nil {
			checkReport(t, "fuzz", r) // valid UTF-8 everywhere, whatever the decoded text held
		}
	})
}
