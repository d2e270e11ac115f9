package dsn

import (
	"strings"
	"testing"
	"time"
)

func TestFindStatus(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"550 5.1.1 <a@example.org>... User unknown", "5.1.1"},
		{"5.1.0 - Unknown address error 550-'5.7.1 <x@example.com>... Access denied'", "5.7.1"},
		{"host 192.0.2.45 said: 421 try later", ""},
		{"Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)", "5.4.4"},
		{"version 4.4.4b-GA", ""},
		{"550-5.7.26 Unauthenticated email", "5.7.26"},
		{"see 10.5.1.1 and 5.1.1.1", ""},
		{"status 4.7.650 rate", "4.7.650"},
	} {
		if got := findStatus(c.in); got != c.want {
			t.Errorf("findStatus(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestReplyCode(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"550 5.1.1 user unknown", "550"},
		{"smtp; 421-4.7.28 Gmail has detected", "421"},
		{"host mx.example.org [192.0.2.1]: 552 mailbox full", "552"},
		{"SIZE=1543 after 2013", ""},
		{"550: 5.1.1 <a@example.org>", "550"},
		{"error 999 and 250.5", ""},
	} {
		if got := replyCodeOf(c.in); got != c.want {
			t.Errorf("replyCodeOf(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRefineStatus(t *testing.T) {
	for _, c := range []struct{ field, diag, want string }{
		{"5.0.0", "5.1.1", "5.1.1"},
		{"5.1.1", "5.0.0", "5.1.1"},
		{"4.4.7", "4.7.1", "4.7.1"},
		{"", "5.2.2", "5.2.2"},
		{"5.2.2", "", "5.2.2"},
		{"4.4.0", "4.4.7", "4.4.7"},
	} {
		if got := refineStatus(c.field, c.diag); got != c.want {
			t.Errorf("refineStatus(%q, %q) = %q, want %q", c.field, c.diag, got, c.want)
		}
	}
}

func TestCleanAddress(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"rfc822; <User@Example.org>", "User@Example.org"},
		{"RFC822;a@example.org", "a@example.org"},
		{"a@example.org (Alice)", "a@example.org"},
		{`"Alice" <a@example.org>`, "a@example.org"},
		{`"first..last"@example.org`, `"first..last"@example.org`},
		{"|/usr/bin/prog a@example.org /home/a", "a@example.org"},
		{"mailto:a@example.org", "a@example.org"},
		{"a@example.org.", "a@example.org"},
	} {
		if got := cleanAddress(c.in); got != c.want {
			t.Errorf("cleanAddress(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2025, 3, 11, 9, 14, 2, 0, time.FixedZone("", 3600))
	for _, in := range []string{
		"Tue, 11 Mar 2025 09:14:02 +0100",
		"Tue, 11 Mar 2025 09:14:02 +0100 (CET)",
		"11 Mar 2025 09:14:02 +0100",
		"Tue,  11 March 2025 09:14:02 +0100",
	} {
		if got := parseDate(in); !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, want %v", in, got, want)
		}
	}
	if got := parseDate("Mon, 2 Jan 2006 15:04 GMT"); !got.Equal(time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)) {
		t.Errorf("obsolete zone: %v", got)
	}
	if !parseDate("not a date").IsZero() || !parseDate("").IsZero() {
		t.Error("bad dates must give the zero time")
	}
}

func TestCharsets(t *testing.T) {
	for _, c := range []struct {
		cs   string
		in   []byte
		want string
	}{
		{"iso-2022-jp", []byte("\x1b$B$3$s$K$A$O\x1b(B ok"), "こんにちは ok"},
		{"shift_jis", []byte("\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd"), "こんにちは"},
		{"euc-jp", []byte("\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf"), "こんにちは"},
		{"iso-8859-1", []byte("caf\xe9"), "café"},
		{"windows-1252", []byte("\x93quoted\x94"), "\u201cquoted\u201d"},
		{"unicode-1-1-utf-7", []byte("Hi +AOk-t+AOk-"), "Hi été"},
		{"iso-2022-jp", []byte("already UTF-8: été"), "already UTF-8: été"},
		{"x-unknown", []byte("bad \xff byte"), "bad \ufffd byte"},
	} {
		if got := string(decodeCharset(c.cs, c.in)); got != c.want {
			t.Errorf("%s: %q, want %q", c.cs, got, c.want)
		}
	}
}

func TestNormalizeEOL(t *testing.T) {
	for in, want := range map[string]string{
		"a\r\nb\r\n": "a\nb\n", "a\rb\r": "a\nb\n", "a\r\r\nb": "a\n\nb", "\r\r\r": "\n\n\n", "plain\n": "plain\n",
	} {
		if got := string(normalizeEOL([]byte(in))); got != want {
			t.Errorf("normalizeEOL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTransferDecoding(t *testing.T) {
	if got := string(decodeQP([]byte("caf=C3=A9 soft=\nbreak =ZZ end=  \nx"))); got != "café softbreak =ZZ endx" {
		t.Errorf("decodeQP: %q", got)
	}
	if got := string(decodeBase64([]byte("aGVs\nbG8g d29y bGQ"))); got != "hello world" {
		t.Errorf("decodeBase64 without padding: %q", got)
	}
}

func TestSplitMultipart(t *testing.T) {
	body := []byte("preamble\n--b\nA: 1\n\none\n--bx\nnot a delimiter\n--b \n\ntwo\n--b--\nepilogue")
	parts := splitMultipart(body, "b", 1000)
	if len(parts) != 2 || string(parts[0]) != "A: 1\n\none\n--bx\nnot a delimiter" || string(parts[1]) != "\ntwo" {
		t.Errorf("parts: %q", parts)
	}
	if got := splitMultipart([]byte("--b\nonly part, no close delimiter\n"), "b", 1000); len(got) != 1 {
		t.Errorf("truncated: %q", got)
	}
	if splitMultipart([]byte("no boundary here"), "b", 1000) != nil {
		t.Error("missing boundary must give nil")
	}
}

func TestHeaderFolding(t *testing.T) {
	h, body := parseHeader([]byte("From MAILER-DAEMON Mon Jan  1 00:00:00 2025\nSubject: one\n two\nX: y\n\nbody"), true)
	if got := h.get("subject"); got != "one two" {
		t.Errorf("Subject = %q", got)
	}
	if string(body) != "body" {
		t.Errorf("body = %q", body)
	}
	loose := parseOriginalHeader([]byte("X-Long: abc\ndef-continued-without-indent\nMessage-ID: <m@x>\n\n"))
	if loose.get("Message-ID") != "<m@x>" {
		t.Errorf("loose header: %q", loose.get("Message-ID"))
	}
}

// TestCollapseSpace checks collapseSpace, joinLines and firstWord against the strings.Fields
// forms they stand for, on ASCII and non-ASCII white space, invalid UTF-8 and long text.
func TestCollapseSpace(t *testing.T) {
	long := strings.Repeat("550 5.1.1  user\tunknown\n ", 40)
	for _, in := range []string{
		"", " ", "a", " a ", "a  b", "a\tb\nc\rd", "a\vb\fc", "a\v b  c", " a\fb\n", "\va b", " \n\t ", "héllo  wörld ",
		"a\u00a0b  c", "a\u0085 b", "a\u2003\u3000b\n", "\xff\xfe  x", "bad \xc2  utf8", long, long + "é ",
	} {
		want := strings.Join(strings.Fields(in), " ")
		if !strings.ContainsAny(in, "\t\n\r") && !strings.Contains(in, "  ") && strings.Trim(in, " ") == in {
			want = in // nothing to collapse: returned as it is
		}
		if got := collapseSpace(in); got != want {
			t.Errorf("collapseSpace(%q) = %q, want %q", in, got, want)
		}
		if got := joinLines([]byte(in)); got != collapseSpace(in) {
			t.Errorf("joinLines(%q) = %q, want %q", in, got, collapseSpace(in))
		}
		wantFirst := ""
		if f := strings.Fields(in); len(f) > 0 {
			wantFirst = f[0]
		}
		if got := firstWord(in); got != wantFirst {
			t.Errorf("firstWord(%q) = %q, want %q", in, got, wantFirst)
		}
	}
}

func TestLowerASCII(t *testing.T) {
	long := strings.Repeat("RCPT TO:<Ab@Example.ORG> ÉTÉ ", 20)
	for _, in := range []string{"", "abc", "Abc", "abC", "ÀB\xffC", long, "x" + long} {
		want := []byte(in)
		for i, c := range want {
			want[i] = lowerByte(c)
		}
		if got := lowerASCII(in); got != string(want) {
			t.Errorf("lowerASCII(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestExpiredWords checks that hintOf's pre-filter lets every expired phrase through.
func TestExpiredWords(t *testing.T) {
	for _, p := range expiredPhrases {
		found := false
		for _, w := range expiredWords {
			found = found || strings.Contains(p, w)
		}
		if !found {
			t.Errorf("expired phrase %q has none of expiredWords %q", p, expiredWords)
		}
		if hintOf("421 4.4.7 "+strings.ToUpper(p)+" (example)") != "expired" {
			t.Errorf("hintOf misses %q", p)
		}
	}
	if h := hintOf("550 5.1.1 user unknown"); h != "" {
		t.Errorf("hintOf(user unknown) = %q", h)
	}
}

// TestGmailReplyAtEnd decodes a Gmail-like text that ends with the reply introduction: the
// reply used to be read from one byte past it, out of range (found by fuzzing).
func TestGmailReplyAtEnd(t *testing.T) {
	msg := "From: mailer-daemon@\nDelivery to the following recipient failed\nTechnical details of permanent failure\n" +
		"The error that the other server returned was:"
	if _, err := Decode([]byte(msg)); err != nil {
		t.Fatal(err)
	}
}
