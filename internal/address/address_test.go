package address

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"user@example.com", "user@example.com"},
		{"  User@Example.COM  ", "user@example.com"},
		{"<user@example.com>", "user@example.com"},
		{"< user@example.com >", "user@example.com"},
		{"rfc822;user@example.com", "user@example.com"},
		{"RFC822; <John.Doe@Example.com>", "john.doe@example.com"},
		{"user@bücher.example", "user@xn--bcher-kva.example"},
		{"user@BÜCHER.example", "user@xn--bcher-kva.example"},
		{"user@xn--bcher-kva.example", "user@xn--bcher-kva.example"},
		{"user@XN--BCHER-KVA.example", "user@xn--bcher-kva.example"},
		{"user@bu\u0308cher.example", "user@xn--bcher-kva.example"}, // NFC first
		{"user@bücher\u3002example", "user@xn--bcher-kva.example"},  // ideographic full stop
		{"user@ＥＸＡＭＰＬＥ.com", "user@example.com"},                    // full-width
		{"user@例え.テスト", "user@xn--r8jz45g.xn--zckzah"},
		{"user@example.com.", "user@example.com"},
		{"ÜSER@example.com", "üser@example.com"},
		{"=1+1@example.com", "=1+1@example.com"},
		{"first.last+tag@example.com", "first.last+tag@example.com"},
		{`"John Doe"@example.com`, `"john doe"@example.com`},
		{`"a@b"@example.com`, `"a@b"@example.com`},
		{`"a\"b"@example.com`, `"a\"b"@example.com`},
		{"postmaster@localhost", "postmaster@localhost"},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in)
		if err != nil {
			t.Errorf("Normalize(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	long := strings.Repeat("a", 60) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." +
		strings.Repeat("d", 60) + "." + strings.Repeat("e", 10) + ".com"
	tests := []struct {
		in, want string
	}{
		{"", "empty address"},
		{"   ", "empty address"},
		{"<>", "empty address"},
		{"rfc822;", "empty address"},
		{"user.example.com", "no @"},
		{"@example.com", "empty local part"},
		{"user@", "empty domain"},
		{"user@.", "empty domain"},
		{"us\ter@example.com", "control character"},
		{"user\r\n@example.com", "control character"},
		{"user@exa\x00mple.com", "control character"},
		{"user@example.com\x7f", "control character"},
		{"<user@example.com", "unbalanced angle brackets"},
		{"user@example.com>", "unbalanced angle brackets"},
		{".user@example.com", "empty atom"},
		{"us..er@example.com", "empty atom"},
		{"us er@example.com", "not allowed"},
		{"a@b@example.com", "not allowed"},
		{`"unterminated@example.com`, "unterminated"},
		{`"a"b"@example.com`, "unescaped quote"},
		{"user@exa mple.com", "bad domain"},
		{"user@example..com", "bad domain"},
		{"user@example.com..", "bad domain"},
		{"user@[192.0.2.1]", "address literal"},
		{"user@-example.com", "bad domain"},
		{"user@a_b.example", "bad domain"},
		{"user@ab--c.example", "bad domain"},
		{"user@xn--a.example", "bad domain"},
		{strings.Repeat("a", 65) + "@example.com", "local part longer than 64"},
		{"user@" + strings.Repeat("a", 64) + ".com", "label longer than 63"},
		{long, "longer than 254"},
		{"user@exam\xffple.com", "invalid utf-8"},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in)
		if err == nil {
			t.Errorf("Normalize(%q) = %q, want error containing %q", tt.in, got, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Normalize(%q) error %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestDomain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"user@example.com", "example.com"},
		{`"a@b"@example.com`, "example.com"},
		{"nodomain", ""},
		{"user@", ""},
	}
	for _, tt := range tests {
		if got := Domain(tt.in); got != tt.want {
			t.Errorf("Domain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// seeds reads testdata/seeds.txt: one input per line, Go-quoted.
func seeds(t testing.TB) []string {
	f, err := os.Open("testdata/seeds.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func FuzzNormalize(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Normalize(s)
		if err != nil {
			return
		}
		if len(out) > MaxLength {
			t.Fatalf("Normalize(%q) = %q: longer than %d", s, out, MaxLength)
		}
		if Domain(out) == "" {
			t.Fatalf("Normalize(%q) = %q: no domain", s, out)
		}
		again, err := Normalize(out)
		if err != nil {
			t.Fatalf("Normalize(%q) = %q, which does not normalise again: %v", s, out, err)
		}
		if again != out {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, out, again)
		}
	})
}

func TestNormalizeHuge(t *testing.T) {
	_, err := Normalize(strings.Repeat("a", 1<<20) + "@example.com")
	if err == nil || !strings.Contains(err.Error(), "longer than 254") {
		t.Errorf("err = %v", err)
	}
}
