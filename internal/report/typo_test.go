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

func TestDamerauLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"gmail", "gmail", 2, 0},
		{"gamil", "gmail", 2, 1}, // transposition
		{"gmai", "gmail", 2, 1},
		{"gmaill", "gmail", 2, 1},
		{"gnail", "gmail", 2, 1},
		{"outlok", "outlook", 2, 1},
		{"hotmial", "hotmail", 2, 1},
		{"hotmali", "hotmail", 2, 1},
		{"hotmlai", "hotmail", 2, 2},
		{"abc", "xyz", 2, 3},
		{"gmail", "gm", 2, 3},
		{"ca", "abc", 5, 3}, // optimal string alignment, not the unrestricted distance (2)
		{"", "ab", 2, 2},
	}
	for _, tt := range tests {
		if got := damerauLevenshtein(tt.a, tt.b, tt.max); got != tt.want {
			t.Errorf("damerauLevenshtein(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
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
