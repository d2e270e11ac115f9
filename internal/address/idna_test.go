package address

import (
	"strings"
	"testing"
)

// Vectors from RFC 3492 section 7.1 and common IDNs.
var punyVectors = []struct{ u, a string }{
	{"bücher", "bcher-kva"},
	{"münchen", "mnchen-3ya"},
	{"ü", "tda"},
	{"\u0644\u064a\u0647\u0645\u0627\u0628\u062a\u0643\u0644\u0645\u0648\u0634\u0639\u0631\u0628\u064a\u061f", "egbpdaj6bu4bxfgehfvwxn"},
	{"3年b組金八先生", "3b-ww4c5e180e575a65lsy2b"},
	{"パフィーdeルンバ", "de-jg4avhby1noc0d"},
}

func TestPunycode(t *testing.T) {
	for _, v := range punyVectors {
		a, err := punyEncode(v.u)
		if err != nil || a != v.a {
			t.Errorf("punyEncode(%q) = %q, %v; want %q", v.u, a, err, v.a)
		}
		u, err := punyDecode(v.a)
		if err != nil || u != v.u {
			t.Errorf("punyDecode(%q) = %q, %v; want %q", v.a, u, err, v.u)
		}
	}
}

func TestToASCII(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"bücher.example", "xn--bcher-kva.example", ""},
		{"BÜCHER.Example", "xn--bcher-kva.example", ""},
		{"XN--BCHER-KVA.example", "xn--bcher-kva.example", ""},
		{"bücher\u3002example", "xn--bcher-kva.example", ""},
		{"例え.テスト", "xn--r8jz45g.xn--zckzah", ""},
		{"ab--c.example", "", "positions 3 and 4"},
		{"a_b.example", "", "not allowed"},
		{"-ab.example", "", "hyphen"},
		{"xn--a.example", "", "not allowed"},
		{"xn--abc!.example", "", "bad punycode digit"},
		{"xn--abc-.example", "", "not a valid a-label"},
		{"bü cher.example", "", "not allowed"},
		{"\u0308a.example", "", "combining mark"},
		{"a..example", "", "empty label"},
	}
	for _, tt := range tests {
		got, err := toASCII(tt.in)
		switch {
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("toASCII(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.want == "" && err == nil:
			t.Errorf("toASCII(%q) = %q, want an error", tt.in, got)
		case tt.want == "" && !strings.Contains(err.Error(), tt.err):
			t.Errorf("toASCII(%q) error %q, want it to contain %q", tt.in, err, tt.err)
		}
	}
}

func TestPunyDecodeErrors(t *testing.T) {
	for _, s := range []string{"a!", "99999999999999", "b", "999999999a"} {
		if u, err := punyDecode(s); err == nil {
			t.Errorf("punyDecode(%q) = %q, want error", s, u)
		}
	}
}
