package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxDuration bounds durations to ten years, far from time.Duration overflow.
const maxDuration = 10 * 365 * 24 * time.Hour

// ParseDuration parses a duration, the one syntax of rebound's configuration files and duration
// flags (stats, recommend and export --since, prune --older-than, --imap-timeout; docs/config.md,
// "Durations"): a positive integer followed by s (seconds), m (minutes), h (hours), d (days of
// 24 hours) or w (weeks): 90m, 72h, 7d, 2w. At most ten years.
func ParseDuration(s string) (time.Duration, error) {
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	bad := fmt.Errorf("bad duration %q: want a positive number with a unit s, m, h, d or w (90m, 72h, 7d)", s)
	if len(s) < 2 {
		return 0, bad
	}
	unit, ok := units[s[len(s)-1]]
	if !ok {
		return 0, bad
	}
	digits := s[:len(s)-1]
	if strings.TrimLeft(digits, "0123456789") != "" {
		return 0, bad
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || n > int64(maxDuration/unit) {
		return 0, bad
	}
	return time.Duration(n) * unit, nil
}

// FormatDuration writes a duration in the units of ParseDuration: 30d, 72h, 90m, 45s.
func FormatDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
