package config

import "testing"

func TestDidYouMean(t *testing.T) {
	known := []string{"black-friday", "spring", "summer", "spring-2", "newsletter-12", "newsletter-13"}
	for name, want := range map[string]string{
		"Black-Friday": "black-friday", "black_friday": "black-friday", "Black Friday": "black-friday",
		"blackfriday": "black-friday", "sprng": "spring", "spring": "", "winter": "", "newsletter-1": "",
		"SUMMER": "summer", "x": "",
	} {
		if got := DidYouMean(name, known); got != want {
			t.Errorf("DidYouMean(%q) = %q, want %q", name, got, want)
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
		if got := EditDistance(tt.a, tt.b, tt.max); got != tt.want {
			t.Errorf("EditDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
	}
}
