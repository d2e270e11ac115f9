package pseudo

import (
	"strings"
	"testing"
)

func TestKeyer(t *testing.T) {
	s1, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := NewSecret()
	k1, err := NewKeyer(s1)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := NewKeyer(s2)
	p := k1.Of("jane.doe@example.org")
	if !Is(p) || !strings.HasSuffix(p, "@example.org") || strings.Contains(p, "jane") || len(p) != len("pseudo.")+32+len("@example.org") {
		t.Errorf("pseudonym %q", p)
	}
	if k1.Of("jane.doe@example.org") != p || k2.Of("jane.doe@example.org") == p || k1.Of("john@example.org") == p {
		t.Error("a pseudonym is not the same for the same secret and address, or the same for others")
	}
	if m := k1.Of("not-an-address"); !Is(m) || strings.Contains(m, "@") {
		t.Errorf("malformed recipient: %q", m)
	}
	if Is("jane@example.org") || Is("pseudo.xyz@example.org") {
		t.Error("Is accepts a clear address")
	}
	if _, err := NewKeyer("zz"); err == nil {
		t.Error("a damaged secret was accepted")
	}
}

func TestRedact(t *testing.T) {
	const addr = "jane.doe@example.org"
	for _, c := range []struct{ in, want string }{
		{"550 5.1.1 <Jane.Doe@Example.ORG>: Recipient address rejected", "550 5.1.1 <[recipient]>: Recipient address rejected"},
		{"550 mailbox jane.doe unavailable", "550 mailbox [recipient] unavailable"},
		{"user jane.doe. is over quota; jane.doe, again", "user [recipient]. is over quota; [recipient], again"},
		{"550 no such user: xjane.doe or jane.doex", "550 no such user: xjane.doe or jane.doex"},
		{"550 jane.doe@example.org jane.doe@example.org", "550 [recipient] [recipient]"},
		{"", ""},
	} {
		if got := Redact(c.in, addr); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Redact("550 jo@example.org: jo is unknown", "jo@example.org"); got != "550 [recipient]: jo is unknown" {
		t.Errorf("short local part: %q", got)
	}
}

func TestSetRedactor(t *testing.T) {
	r := NewSetRedactor([]string{"nyaan@example.org", "ann@example.com"})
	for _, c := range []struct{ in, want string }{
		{"From: Nyaan@Example.org", "From: [recipient]"},
		{"<ann@example.com>, neko-nyaan@example.org and nyaan@example.org.", "<[recipient]>, neko-nyaan@example.org and [recipient]."},
		{"ann@example.community", "ann@example.community"},
		{"no address here", "no address here"},
	} {
		if got := r(c.in); got != c.want {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
}
