package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Format is an output format.
type Format string

// Output formats. FormatText applies to findings only.
const (
	FormatTable    Format = "table"
	FormatJSON     Format = "json"
	FormatCSV      Format = "csv"
	FormatMarkdown Format = "markdown"
	FormatText     Format = "text"
)

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatTable, FormatJSON, FormatCSV, FormatMarkdown, FormatText:
		return f, nil
	case "md":
		return FormatMarkdown, nil
	}
	return "", fmt.Errorf("unknown format %q (want table, json, csv or markdown)", s)
}

// Options control rendering.
type Options struct {
	Color    bool // ANSI colours; the CLI sets it only when stdout is a terminal and NO_COLOR is unset
	BarWidth int  // width of the trend bars in cells; 0 means DefaultBarWidth
}

// DefaultBarWidth is the width of the longest trend bar.
const DefaultBarWidth = 30

// colKind says how a column is aligned and whether CSV keeps it.
type colKind int

const (
	colText colKind = iota
	colNum
	colBar // not written to CSV
	colCSV // written to CSV only
)

type column struct {
	head string // table and Markdown header
	csv  string // CSV header
	kind colKind
}

// cell is one value: its text for people, its CSV value, and whether it is over a target.
type cell struct {
	text string
	csv  string
	warn bool
}

// table is a titled table in a form every format can write.
type table struct {
	title  string
	cols   []column
	rows   [][]cell
	footer []cell
	empty  string // said instead of the table when it has no rows
	wrap   int    // wrap cells at this width; 0: never
	note   string // said after the table
}

func txt(s string) cell { return cell{text: s, csv: s} }
func num(n int) cell    { return cell{text: thousands(n), csv: strconv.Itoa(n)} }
func pct(f float64) cell {
	return cell{text: fmt.Sprintf("%.1f%%", 100*f), csv: fmt.Sprintf("%.2f", 100*f)}
}
func ratePct(f float64) cell {
	return cell{text: fmt.Sprintf("%.2f%%", 100*f), csv: fmt.Sprintf("%.3f", 100*f)}
}
func barCell(s string) cell      { return cell{text: s} }
func dash() cell                 { return cell{text: "-", csv: ""} }
func warnIf(c cell, w bool) cell { c.warn = w; return c }

// thousands writes n with comma separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// writeTable writes a table for people, with tablewriter.
func writeTable(w io.Writer, t *table, format Format, opts Options) error {
	if len(t.rows) == 0 {
		_, err := fmt.Fprintf(w, "%s\n", t.empty)
		return err
	}
	keep := t.columns(false)
	align := make([]tw.Align, len(keep))
	heads := make([]any, len(keep))
	for i, ci := range keep {
		align[i] = tw.AlignLeft
		if t.cols[ci].kind == colNum {
			align[i] = tw.AlignRight
		}
		heads[i] = t.cols[ci].head
	}
	tabOpts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithFooterAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	}
	if t.wrap > 0 {
		tabOpts = append(tabOpts, tablewriter.WithRowAutoWrap(tw.WrapNormal), tablewriter.WithRowMaxWidth(t.wrap))
	}
	if format == FormatMarkdown {
		tabOpts = append(tabOpts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	tab := tablewriter.NewTable(w, tabOpts...)
	tab.Header(heads...)
	color := opts.Color && format == FormatTable
	for _, r := range t.rows {
		if err := tab.Append(texts(r, keep, color)); err != nil {
			return err
		}
	}
	if t.footer != nil {
		tab.Footer(anys(texts(t.footer, keep, color))...)
	}
	if err := tab.Render(); err != nil {
		return err
	}
	if t.note != "" {
		_, err := fmt.Fprintf(w, "%s\n", t.note)
		return err
	}
	return nil
}

// columns returns the indexes of the columns a format shows.
func (t *table) columns(forCSV bool) []int {
	var keep []int
	for i, c := range t.cols {
		if (forCSV && c.kind != colBar) || (!forCSV && c.kind != colCSV) {
			keep = append(keep, i)
		}
	}
	return keep
}

func texts(cells []cell, keep []int, color bool) []string {
	out := make([]string, len(keep))
	for i, ci := range keep {
		c := cells[ci]
		out[i] = c.text
		if color && c.warn {
			out[i] = ansiRed + c.text + ansiReset
		}
	}
	return out
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// writeCSV writes a table as CSV (RFC 4180): a header of snake_case names, then the rows; the
// footer and the bar columns are left out.
func writeCSV(w io.Writer, t *table) error {
	cw := csv.NewWriter(w)
	keep := t.columns(true)
	rec := make([]string, len(keep))
	for i, ci := range keep {
		rec[i] = t.cols[ci].csv
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for _, r := range t.rows {
		for i, ci := range keep {
			rec[i] = r[ci].csv
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ANSI colours (ECMA-48 SGR).
const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

// bar draws n against max in at most width cells, with eighth blocks.
func bar(n, max, width int) string {
	if n <= 0 || max <= 0 || width <= 0 {
		return ""
	}
	eighths := (n*width*8 + max - 1) / max // round up: any bounce shows
	full, part := eighths/8, eighths%8
	s := strings.Repeat("█", full)
	if part > 0 {
		s += string([]rune("▏▎▍▌▋▊▉")[part-1])
	}
	return s
}
