package stats

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/config"
)

// DefaultSince is the period of the tables when none is given.
const DefaultSince = 30 * 24 * time.Hour

// ParsePeriod turns the --since, --from and --to flags into a Period ending at now (UTC).
// since is a duration (config.ParseDuration: "90m", "7d"); from and to are dates (YYYY-MM-DD, to
// inclusive) or RFC 3339 times. since cannot be combined with from or to; with none of them the
// period is the last 30 days.
func ParsePeriod(now time.Time, since, from, to string) (Period, error) {
	now = now.UTC()
	if since != "" && (from != "" || to != "") {
		return Period{}, errors.New("--since cannot be combined with --from or --to")
	}
	if from == "" && to == "" {
		d := DefaultSince
		if since != "" {
			var err error
			if d, err = parseSince(since); err != nil {
				return Period{}, err
			}
		}
		return Period{From: now.Add(-d), To: now}, nil
	}
	p := Period{From: now.Add(-DefaultSince), To: now}
	var err error
	if from != "" {
		if p.From, err = parseBound(from, false); err != nil {
			return Period{}, fmt.Errorf("--from: %w", err)
		}
	}
	if to != "" {
		if p.To, err = parseBound(to, true); err != nil {
			return Period{}, fmt.Errorf("--to: %w", err)
		}
	}
	if !p.To.After(p.From) {
		// Said with the values as they were given: --to's date means the end of its day.
		switch {
		case from != "" && to != "":
			return Period{}, fmt.Errorf("empty period: --from %s is not before --to %s", from, to)
		case from != "":
			return Period{}, fmt.Errorf("empty period: --from %s is after now (%s)", from, now.Format(time.RFC3339))
		}
		return Period{}, fmt.Errorf("empty period: --to %s is before the default start, %s (%d days ago): give --from too",
			to, p.From.Format(time.RFC3339), int(DefaultSince/(24*time.Hour)))
	}
	return p, nil
}

// parseSince reads --since with the one duration parser of rebound (docs/config.md, "Durations").
func parseSince(s string) (time.Duration, error) {
	d, err := config.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("--since: %w", err)
	}
	return d, nil
}

// parseBound reads a date or a time; a date given as the end of a period includes the whole day.
func parseBound(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	return t.UTC(), nil
}
