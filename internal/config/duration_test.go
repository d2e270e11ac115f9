package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := map[string]time.Duration{"90m": 90 * time.Minute, "72h": 72 * time.Hour, "7d": 7 * 24 * time.Hour,
		"2w": 14 * 24 * time.Hour, "030d": 30 * 24 * time.Hour, "45s": 45 * time.Second}
	for in, want := range tests {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-1d", "+1d", "1.5d", "1d12h", "1D", " 1d", "0h", "1m30s", "3650w"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want error", in, got)
		}
	}
	for _, d := range []time.Duration{45 * time.Second, 90 * time.Minute, 72 * time.Hour, 30 * 24 * time.Hour} {
		if got, err := ParseDuration(FormatDuration(d)); err != nil || got != d {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v", d, got, err)
		}
	}
}
