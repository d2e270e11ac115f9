package report

import "fmt"

// FailLevels are the values of --fail-on, most urgent first.
var FailLevels = []Severity{Critical, Warning}

// ParseFailLevel reads a --fail-on value: critical or warning.
func ParseFailLevel(s string) (Severity, error) {
	for _, l := range FailLevels {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown level %q (want critical or warning)", s)
}

// Alert is the part of a set of findings at or above a level.
type Alert struct {
	Level    Severity // the level asked for
	Critical int      // findings at critical
	Warning  int      // findings at warning (counted only when Level is warning)
}

// Raised reports whether a finding at or above the level exists.
func (a Alert) Raised() bool { return a.Critical+a.Warning > 0 }

// AlertOn counts the findings of fs at or above level (critical, or warning and critical).
func AlertOn(fs []Finding, level Severity) Alert {
	a := Alert{Level: level}
	for _, f := range fs {
		switch {
		case f.Severity == Critical:
			a.Critical++
		case f.Severity == Warning && severityRank[Warning] <= severityRank[level]:
			a.Warning++
		}
	}
	return a
}

// String says what raised the alert: "2 critical findings, 1 warning".
func (a Alert) String() string {
	s := count(a.Critical, "critical finding")
	if a.Level == Warning {
		s += ", " + count(a.Warning, "warning")
	}
	return s
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
