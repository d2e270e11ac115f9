package mailbox

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bounceTemplate is one bounce as its MTA wrote it; the copies below are what delivery and mail
// stores make of it.
const bounceTemplate = `From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: news@example.com
Subject: Undelivered Mail Returned to Sender
Date: Mon, 4 Mar 2024 10:00:00 +0000
Message-ID: <20240304100000.ABC123@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="b1"

--b1
Content-Type: text/plain

From the mail system at mx.example.net: your message could not be delivered.
>From here on, a quoted line.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; ann@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <ann@example.org>: User unknown

--b1--
`

// copies returns the same bounce as different mailboxes hold it.
func copies() map[string]string {
	lf := bounceTemplate
	delivered := "Return-Path: <>\nDelivered-To: bounces@example.com\nX-Original-To: bounces+list@example.com\n" +
		"Received: from mx.example.net (mx.example.net [192.0.2.1])\n\tby mail.example.com (Postfix) with ESMTP id 4F1;\n\tMon, 4 Mar 2024 10:00:01 +0000 (UTC)\n" +
		"Authentication-Results: mail.example.com; spf=none\nX-Spam-Status: No, score=0.1\n\tbayes=0.5\n"
	other := "Return-Path: <>\nDelivered-To: postmaster@example.com\n" +
		"Received: from relay.example.com by mail2.example.com with LMTP id 99; Mon, 4 Mar 2024 10:00:03 +0000\n" +
		"Received: from mx.example.net by relay.example.com with ESMTP id 4F2; Mon, 4 Mar 2024 10:00:02 +0000\n" +
		"X-Virus-Scanned: clean\nDKIM-Signature: v=1; d=relay.example.com; b=abc\n"
	// An mbox (mboxrd) copy: From_ line, store flags, CRLF, quoting, and the blank line that
	// ends every message.
	body := strings.SplitN(lf, "\n\n", 2)
	mboxBody := strings.NewReplacer("\nFrom the mail", "\n>From the mail", "\n>From here", "\n>>From here").Replace("\n" + body[1])
	mbox := "From MAILER-DAEMON Mon Mar  4 10:00:01 2024\n" + delivered + body[0] + "\nStatus: RO\nX-Status: A\nX-Keywords: $label1\nX-UID: 17\nContent-Length: 512\nLines: 20\n" + mboxBody + "\n"
	return map[string]string{
		"as sent":                lf,
		"delivered":              delivered + lf,
		"delivered elsewhere":    other + lf,
		"mbox, CRLF":             strings.ReplaceAll(mbox, "\n", "\r\n"),
		"mbox":                   mbox,
		"no final line end":      strings.TrimSuffix(delivered+lf, "\n"),
		"thunderbird":            "X-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\n" + lf + "\n\n",
		"exchange":               "X-MS-Exchange-Organization-AuthAs: Anonymous\nX-MS-Exchange-Organization-SCL: 1\n" + lf,
		"gmail takeout":          "X-GM-THRID: 1234\nX-Gmail-Labels: Inbox,Bounces\n" + lf,
		"resent by a forwarder":  "Resent-From: relay@example.com\nResent-Date: Mon, 4 Mar 2024 11:00:00 +0000\n" + lf,
		"stripped field, folded": "Received: from a\n by b\n\twith c; Mon, 4 Mar 2024 10:00:01 +0000\n" + lf,
	}
}

// TestContentKeySameBounce: every copy of one bounce gets the same key.
func TestContentKeySameBounce(t *testing.T) {
	want := ContentKey([]byte(bounceTemplate))
	if !strings.HasPrefix(want, "c:") || len(want) != 34 {
		t.Fatalf("key %q: want c: and 32 hex digits", want)
	}
	for name, m := range copies() {
		if got := ContentKey([]byte(m)); got != want {
			t.Errorf("%s: key %s, want %s", name, got, want)
		}
	}
}

// TestContentKeyDifferentBounces: anything the sender wrote tells two messages apart, such as
// two bounces that differ only in their Date or Message-ID.
func TestContentKeyDifferentBounces(t *testing.T) {
	base := ContentKey([]byte(bounceTemplate))
	for name, change := range map[string][2]string{
		"date":                        {"Date: Mon, 4 Mar 2024 10:00:00", "Date: Mon, 4 Mar 2024 10:00:01"},
		"message-id":                  {"ABC123@", "ABC124@"},
		"recipient":                   {"Final-Recipient: rfc822; ann@", "Final-Recipient: rfc822; bob@"},
		"diagnostic":                  {"User unknown", "User unknown."},
		"a kept field added":          {"MIME-Version: 1.0\n", "MIME-Version: 1.0\nX-Campaign: spring\n"},
		"folded kept field":           {"report-type=delivery-status;\n\tboundary", "report-type=delivery-status; boundary"},
		"white space inside":          {"could not be delivered.", "could not  be delivered."},
		"an empty body line":          {"\n\n--b1\nContent-Type: message/delivery-status", "\n\n\n--b1\nContent-Type: message/delivery-status"},
		"a stripped name in the body": {"Reporting-MTA: dns; mx.example.net\n\n", "Reporting-MTA: dns; mx.example.net\nReceived: x\n\n"},
	} {
		m := strings.Replace(bounceTemplate, change[0], change[1], 1)
		if m == bounceTemplate {
			t.Fatalf("%s: the change does not apply", name)
		}
		if ContentKey([]byte(m)) == base {
			t.Errorf("%s: two different messages share a key", name)
		}
	}
	// Kept fields in another order are another message.
	swapped := strings.Replace(bounceTemplate, "To: news@example.com\nSubject: Undelivered Mail Returned to Sender\n",
		"Subject: Undelivered Mail Returned to Sender\nTo: news@example.com\n", 1)
	if ContentKey([]byte(swapped)) == base {
		t.Error("fields in another order share a key")
	}
}

// TestContentKeyOfMailboxes: the key of a message as Walk reads it from a maildir equals its
// key as Walk reads it from an mbox (From_ line removed, mboxrd quoting undone), with the
// fields each store adds.
func TestContentKeyOfMailboxes(t *testing.T) {
	dir := t.TempDir()
	c := copies()
	md := filepath.Join(dir, "md")
	for _, sub := range []string{"new", "cur", "tmp"} {
		if err := os.MkdirAll(filepath.Join(md, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(md, "cur", "1.M1.host:2,S"), []byte(c["delivered"]), 0o644); err != nil {
		t.Fatal(err)
	}
	mbox := filepath.Join(dir, "box.mbox")
	if err := os.WriteFile(mbox, []byte(c["mbox, CRLF"]+c["mbox, CRLF"]), 0o644); err != nil {
		t.Fatal(err)
	}
	var keys []string
	err := Walk([]string{md, mbox}, Options{}, func(m Message) error {
		if m.Checkpoint == nil {
			keys = append(keys, ContentKey(m.Data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := ContentKey([]byte(bounceTemplate))
	if len(keys) != 3 {
		t.Fatalf("%d messages, want 3", len(keys))
	}
	for i, k := range keys {
		if k != want {
			t.Errorf("message %d: key %s, want %s", i+1, k, want)
		}
	}
}

func TestContentKeyEdges(t *testing.T) {
	for name, m := range map[string]string{
		"empty": "", "only a From_ line": "From x Mon Mar  4 10:00:01 2024", "no body": "Subject: x\n",
		"no header": "\nbody", "blank": "\n\n\n", "colon first": ": x\n\nbody", "long name": strings.Repeat("x", 100) + ": y\n\nz",
	} {
		if k := ContentKey([]byte(m)); len(k) != 34 {
			t.Errorf("%s: key %q", name, k)
		}
	}
	if ContentKey([]byte("Subject: a\n\nbody")) == ContentKey([]byte("Subject: a\nbody")) {
		t.Error("a header line and a body line share a key")
	}
}

// FuzzContentKey checks the promises of ContentKey on any input: CRLF and LF copies, a copy
// with delivery fields in front, and one with blank lines at the end share the key; and the
// body hashed in one write gives what the line by line reading gives.
func FuzzContentKey(f *testing.F) {
	f.Add([]byte(bounceTemplate))
	for _, m := range copies() {
		f.Add([]byte(m))
	}
	if ents, err := os.ReadDir(filepath.Join("testdata")); err == nil {
		for _, e := range ents {
			if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil && len(b) < 1<<16 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		trimmed := bytes.TrimRight(data, " \t\r\n")
		whole, lines := sha256.New(), sha256.New()
		hashBody(whole, data)
		hashBodyLines(lines, trimmed)
		if len(trimmed) > 0 && !bytes.Equal(whole.Sum(nil), lines.Sum(nil)) {
			t.Errorf("hashBody's one write differs from the line by line hash of %q", trimmed)
		}
		if strings.ContainsRune(string(data), '\r') {
			return // CR alone is kept as it is: only CRLF reads as LF
		}
		k := ContentKey(data)
		if got := ContentKey([]byte(strings.ReplaceAll(string(data), "\n", "\r\n"))); got != k {
			t.Errorf("CRLF copy: %s, want %s", got, k)
		}
		if strings.HasPrefix(string(data), "From ") || strings.HasPrefix(string(data), " ") || strings.HasPrefix(string(data), "\t") {
			return // a From_ line, or a continuation line: a field in front changes what they are
		}
		if got := ContentKey([]byte("Delivered-To: x@example.com\nReceived: by host;\n\tMon, 4 Mar 2024\n" + string(data))); got != k {
			t.Errorf("with delivery fields: %s, want %s", got, k)
		}
		if got := ContentKey(append(append([]byte{}, data...), "\n\n \n"...)); got != k && strings.Contains(string(data), "\n") {
			t.Errorf("with blank lines at the end: %s, want %s", got, k)
		}
	})
}

// BenchmarkContentKey measures ContentKey on the sample bounces of testdata/demo/maildir.
func BenchmarkContentKey(b *testing.B) {
	var msgs [][]byte
	size := 0
	for _, sub := range []string{"new", "cur"} {
		dir := filepath.Join("..", "..", "testdata", "demo", "maildir", sub)
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if data, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				msgs = append(msgs, data)
				size += len(data)
			}
		}
	}
	if len(msgs) == 0 {
		b.Fatal("no sample messages")
	}
	b.SetBytes(int64(size / len(msgs)))
	i := 0
	for b.Loop() {
		ContentKey(msgs[i%len(msgs)])
		i++
	}
}
