package report

import "testing"

// TestAlertOn checks the level boundaries of --fail-on: critical counts only critical findings,
// warning counts warnings and critical ones, info never raises.
func TestAlertOn(t *testing.T) {
	f := func(sev ...Severity) []Finding {
		var fs []Finding
		for _, s := range sev {
			fs = append(fs, Finding{Severity: s})
		}
		return fs
	}
	for _, c := range []struct {
		fs     []Finding
		level  Severity
		raised bool
		text   string
	}{
		{f(Critical), Critical, true, "1 critical finding"},
		{f(Critical, Warning, Info), Warning, true, "1 critical finding, 1 warning"},
		{f(Warning), Warning, true, "0 critical findings, 1 warning"},
		{f(Warning, Warning, Info), Critical, false, "0 critical findings"},
		{f(Info, Info), Warning, false, "0 critical findings, 0 warnings"},
		{nil, Critical, false, "0 critical findings"},
	} {
		a := AlertOn(c.fs, c.level)
		if a.Raised() != c.raised || a.String() != c.text {
			t.Errorf("%v at %s: raised %v %q, want %v %q", c.fs, c.level, a.Raised(), a, c.raised, c.text)
		}
	}
	for _, s := range []string{"info", "Critical", ""} {
		if _, err := ParseFailLevel(s); err == nil {
			t.Errorf("ParseFailLevel(%q) accepted", s)
		}
	}
}
