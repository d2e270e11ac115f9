package pipeline

import (
	"context"
	"io"
	"slices"

	"github.com/reboundhq/rebound/internal/stats"
	"github.com/reboundhq/rebound/internal/store"
)

// SentAdded is what AddSent or ImportSent recorded.
type SentAdded struct {
	Rows     []stats.SentRow
	Messages int // the sum of the counts
	// Unattributed are the campaigns given a volume (a count above 0) that no bounce is
	// attributed to so far, in the order of Rows: until one is, stats leaves their volume out of
	// the rates. Campaigns are those bounces are attributed to, to suggest a close spelling.
	Unattributed []string
	Campaigns    []string
}

// AddSent records sent volumes (a volume with the campaign, provider and date of a recorded one
// replaces it; a count of 0 cancels it) and finds the campaigns no bounce is attributed to.
func AddSent(ctx context.Context, st *store.Store, rows []stats.SentRow) (SentAdded, error) {
	a := SentAdded{Rows: rows}
	if err := st.AddSent(ctx, rows); err != nil {
		return a, err
	}
	known, err := st.Campaigns(ctx)
	if err != nil {
		return a, err
	}
	a.Campaigns = known
	for _, r := range rows {
		a.Messages += r.Count
		if r.Count > 0 && !slices.Contains(known, r.Campaign) && !slices.Contains(a.Unattributed, r.Campaign) {
			a.Unattributed = append(a.Unattributed, r.Campaign)
		}
	}
	return a, nil
}

// ImportSent reads a CSV file of sent volumes named name (stats.ParseSent; providers are the
// known provider ids) and, when every line is good, opens the store and records them (AddSent).
// A file with a bad line records nothing and comes back as the parser's error, before the
// store is opened.
func ImportSent(ctx context.Context, open func(context.Context) (*store.Store, error), r io.Reader, name string,
	providers []string) (SentAdded, error) {
	rows, err := stats.ParseSent(r, name, providers...)
	if err != nil {
		return SentAdded{}, &SentFileError{err}
	}
	st, err := open(ctx)
	if err != nil {
		return SentAdded{}, err
	}
	defer st.Close()
	return AddSent(ctx, st, rows)
}

// SentFileError is the error of a sent volumes file with bad lines: every problem of every
// line, as name:line: problem.
type SentFileError struct{ Err error }

func (e *SentFileError) Error() string { return e.Err.Error() }
func (e *SentFileError) Unwrap() error { return e.Err }
