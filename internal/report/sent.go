package report

import (
	"github.com/reboundhq/rebound/internal/stats"

	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ParseSent reads a CSV file (RFC 4180) of sent volumes for `rebound sent import`. The header
// names the columns, in any order: campaign and count are required, provider (a rebound provider
// id) and date (YYYY-MM-DD) are optional. A row is one campaign, optionally for one provider and
// one day; the same (campaign, provider, date) may not appear twice.
//
// Every problem of every line is reported, in one run, as "name:line: problem"; when there is
// any, no row is returned. With providers, a provider that is not one of them is a problem too.
func ParseSent(r io.Reader, name string, providers ...string) ([]stats.SentRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file, want a header: campaign,count[,provider][,date]", name)
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	cols, err := sentColumns(header)
	if err != nil {
		return nil, fmt.Errorf("%s:1: %w", name, err)
	}
	p := sentParser{cols: cols, seen: map[stats.SentRow]int{}, providers: providers}
	var errs []error
	lastBad := -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A line the CSV reader cannot read (a stray quote): report it and go on with the
			// next, unless the reader cannot get past it.
			var pe *csv.ParseError
			if !errors.As(err, &pe) || pe.Line == lastBad {
				errs = append(errs, csvError(name, err))
				break
			}
			lastBad = pe.Line
			errs = append(errs, csvError(name, err))
			continue
		}
		line, _ := cr.FieldPos(0)
		for _, err := range p.add(rec, line) {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p.rows, nil
}

// csvError writes a csv.ParseError as "name:line: problem".
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %w", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

type sentCols struct {
	campaign, count, provider, date int // -1 when absent
	n                               int
}

func sentColumns(header []string) (sentCols, error) {
	c := sentCols{campaign: -1, count: -1, provider: -1, date: -1, n: len(header)}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		var dst *int
		switch h {
		case "campaign":
			dst = &c.campaign
		case "count":
			dst = &c.count
		case "provider":
			dst = &c.provider
		case "date":
			dst = &c.date
		default:
			return c, fmt.Errorf("unknown column %q: want campaign,count[,provider][,date]", h)
		}
		if *dst >= 0 {
			return c, fmt.Errorf("column %q appears twice", h)
		}
		*dst = i
	}
	if c.campaign < 0 || c.count < 0 {
		return c, errors.New("the header must name campaign and count: campaign,count[,provider][,date]")
	}
	return c, nil
}

type sentParser struct {
	cols      sentCols
	rows      []stats.SentRow
	seen      map[stats.SentRow]int // key (Count 0) -> line
	providers []string              // known provider ids; nil: not checked
}

// add reads one record; it returns every problem of the line.
func (p *sentParser) add(rec []string, line int) []error {
	if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
		return nil // a blank line
	}
	if len(rec) != p.cols.n {
		return []error{fmt.Errorf("%d fields, the header has %d", len(rec), p.cols.n)}
	}
	var errs []error
	row := stats.SentRow{Campaign: strings.TrimSpace(rec[p.cols.campaign])}
	if row.Campaign == "" {
		errs = append(errs, errors.New("empty campaign"))
	}
	n, err := strconv.Atoi(strings.TrimSpace(rec[p.cols.count]))
	if err != nil || n < 0 {
		errs = append(errs, fmt.Errorf("count %q is not a whole number of messages", rec[p.cols.count]))
	}
	row.Count = n
	if p.cols.provider >= 0 {
		row.Provider = strings.ToLower(strings.TrimSpace(rec[p.cols.provider]))
		if row.Provider != "" && p.providers != nil && !slices.Contains(p.providers, row.Provider) {
			errs = append(errs, fmt.Errorf("unknown provider %q", rec[p.cols.provider]))
		}
	}
	if p.cols.date >= 0 {
		d, err := parseSentDate(rec[p.cols.date])
		if err != nil {
			errs = append(errs, err)
		}
		row.Date = d
	}
	if len(errs) > 0 {
		return errs
	}
	key := row
	key.Count = 0
	if prev, dup := p.seen[key]; dup {
		return []error{fmt.Errorf("campaign %q%s appears again (first on line %d)", row.Campaign, rowQualifier(row), prev)}
	}
	p.seen[key] = line
	p.rows = append(p.rows, row)
	return nil
}

func parseSentDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return "", fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return t.Format(time.DateOnly), nil
}

func rowQualifier(r stats.SentRow) string {
	var q string
	if r.Provider != "" {
		q += " for provider " + r.Provider
	}
	if r.Date != "" {
		q += " on " + r.Date
	}
	return q
}
