package stats

import (
	"bytes"
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
//
// A record the CSV reader cannot read (a stray quote) is reported on the line it starts, and
// reading goes on from the next line: a quote opened and never closed would otherwise swallow
// the rest of the file, and with it every later line's problems. Sent volumes have no field
// that spans lines, so the lines a broken quoted field ran over are records of their own.
func ParseSent(r io.Reader, name string, providers ...string) ([]SentRow, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file, want a header: campaign,count[,provider][,date]", name)
	}
	if err != nil {
		return nil, csvError(name, err, 0)
	}
	cols, err := sentColumns(header)
	if err != nil {
		return nil, fmt.Errorf("%s:1: %w", name, err)
	}
	p := sentParser{cols: cols, seen: map[SentRow]int{}, providers: providers}
	var errs []error
	base := 0 // the lines before the part of data cr reads
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			errs = append(errs, csvError(name, err, base))
			// Go on from the line after the one the broken record starts on.
			base += pe.StartLine
			rest := afterLines(data, base)
			if rest < 0 {
				break
			}
			cr = csv.NewReader(bytes.NewReader(data[rest:]))
			cr.FieldsPerRecord = -1
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			break
		}
		line, _ := cr.FieldPos(0)
		line += base
		for _, err := range p.add(rec, line) {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p.rows, nil
}

// afterLines returns the offset in data of the line after the first n, as encoding/csv counts
// lines (ended by \n), or -1 when there is none.
func afterLines(data []byte, n int) int {
	off := 0
	for ; n > 0; n-- {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	if off >= len(data) {
		return -1
	}
	return off
}

// csvError writes a csv.ParseError as "name:line: problem", on the line where its record
// starts (base lines after the start of the file), saying how far a quoted field ran.
func csvError(name string, err error, base int) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", name, err)
	}
	if pe.Line > pe.StartLine {
		return fmt.Errorf("%s:%d: %w (the field quoted on this line runs on to line %d)",
			name, base+pe.StartLine, pe.Err, base+pe.Line)
	}
	return fmt.Errorf("%s:%d: %w", name, base+pe.StartLine, pe.Err)
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
	rows      []SentRow
	seen      map[SentRow]int // key (Count 0) -> line
	providers []string        // known provider ids; nil: not checked
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
	row := SentRow{Campaign: strings.TrimSpace(rec[p.cols.campaign])}
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

func rowQualifier(r SentRow) string {
	var q string
	if r.Provider != "" {
		q += " for provider " + r.Provider
	}
	if r.Date != "" {
		q += " on " + r.Date
	}
	return q
}
