package report

import "testing"

func TestSuggestDomain(t *testing.T) {
	tests := []struct{ domain, want string }{
		// typos of the first label
		{"gamil.com", "gmail.com"},
		{"gmial.com", "gmail.com"},
		{"gmai.com", "gmail.com"},
		{"gmaill.com", "gmail.com"},
		{"hotmial.com", "hotmail.com"},
		{"hotmal.com", "hotmail.com"},
		{"htomail.com", "hotmail.com"},
		{"yaho.com", "yahoo.com"},
		{"yahooo.com", "yahoo.com"},
		{"outlok.com", "outlook.com"},
		{"outllok.com", "outlook.com"},
		{"iclod.com", "icloud.com"},
		{"comcats.net", "comcast.net"},
		{"hotmial.co.uk", "hotmail.co.uk"},
		{"GAMIL.COM.", "gmail.com"},
		// typos of the suffix, and of both
		{"gmail.con", "gmail.com"},
		{"gmail.co", "gmail.com"},
		{"gmail.cm", "gmail.com"},
		{"yahoo.co", "yahoo.com"},
		{"aol.co", "aol.com"},
		{"att.ne", "att.net"},
		{"gmial.con", "gmail.com"},
		// real domains and the targets themselves
		{"gmail.com", ""},
		{"hotmail.com", ""},
		{"mail.com", ""},
		{"gmx.com", ""},
		{"gmx.net", ""},
		{"ymail.com", ""},
		{"email.com", ""},
		{"aim.com", ""},
		{"me.com", ""},
		{"msn.com", ""},
		{"live.com", ""},
		{"hotmail.de", ""},
		{"yahoo.co.uk", ""},
		{"yahoo.ca", ""},
		{"googlemail.com", ""},
		// near a target, but another word: first character differs, or the label is short
		{"wahoo.com", ""},
		{"cloud.com", ""},
		{"olive.com", ""},
		{"liv.com", ""},
		{"aol.org", ""},
		{"verizon.com", ""},
		{"hotmail.net", ""},
		// unrelated
		{"example.com", ""},
		{"gmailcom", ""},
		{"", ""},
		{".", ""},
		{"g.com", ""},
	}
	for _, tt := range tests {
		got, ok := SuggestDomain(tt.domain)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("SuggestDomain(%q) = %q, %v; want %q", tt.domain, got, ok, tt.want)
		}
	}
}

func FuzzSuggestDomain(f *testing.F) {
	for _, s := range []string{"gamil.com", "gmail.con", "hotmial.co.uk", "a.b", "...", "ü.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, d string) {
		got, ok := SuggestDomain(d)
		if ok && (got == "" || !isTarget(got)) {
			t.Fatalf("SuggestDomain(%q) = %q", d, got)
		}
	})
}
