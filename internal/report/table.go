package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
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
	// Width is the most columns a table (FormatTable) and a finding (FormatText) may take:
	// tables leave out their least useful columns, narrow their bars, then wrap their text,
	// until they fit. 0 means no limit (stats --wide).
	Width int
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
	drop int // when a table must be narrower: columns with the highest drop go first; 0 stays
}

// cell is one value: its text for people, its CSV value, and whether it is over a target. A bar
// cell has its value and the largest of its column instead, and is drawn to the width the
// table can give it.
type cell struct {
	text     string
	csv      string
	warn     bool
	bar, max int
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

	wholeFirst bool // the first column is never cut nor wrapped to fit (an address)
}

func txt(s string) cell { return cell{text: s, csv: s} }
func num(n int) cell    { return cell{text: thousands(n), csv: strconv.Itoa(n)} }
func pct(f float64) cell {
	return cell{text: fmt.Sprintf("%.1f%%", 100*f), csv: fmt.Sprintf("%.2f", 100*f)}
}
func ratePct(f float64) cell {
	return cell{text: fmt.Sprintf("%.2f%%", 100*f), csv: fmt.Sprintf("%.3f", 100*f)}
}
func barCell(n, max int) cell    { return cell{bar: n, max: max} }
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

// writeTable writes a table for people, with tablewriter, within opts.Width (see layout).
func writeTable(w io.Writer, t *table, format Format, opts Options) error {
	if len(t.rows) == 0 {
		_, err := fmt.Fprintf(w, "%s\n", t.empty)
		return err
	}
	lay := t.layout(format, opts)
	keep := lay.keep
	align := make([]tw.Align, len(keep))
	heads := make([]any, len(keep))
	for i, ci := range keep {
		align[i] = tw.AlignLeft
		if t.cols[ci].kind == colNum {
			align[i] = tw.AlignRight
		}
		heads[i] = t.cols[ci].head
		if lim, ok := lay.limit[ci]; ok {
			heads[i] = wrapText(t.cols[ci].head, lim)
		}
	}
	tabOpts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithFooterAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	}
	if t.wrap > 0 && lay.limit == nil {
		tabOpts = append(tabOpts, tablewriter.WithRowAutoWrap(tw.WrapNormal), tablewriter.WithRowMaxWidth(t.wrap))
	}
	if format == FormatMarkdown {
		tabOpts = append(tabOpts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	tab := tablewriter.NewTable(w, tabOpts...)
	tab.Header(heads...)
	color := opts.Color && format == FormatTable
	for _, r := range t.rows {
		if err := tab.Append(t.texts(r, lay, color)); err != nil {
			return err
		}
	}
	if t.footer != nil {
		tab.Footer(anys(t.texts(t.footer, lay, color))...)
	}
	if err := tab.Render(); err != nil {
		return err
	}
	if t.note != "" {
		_, err := fmt.Fprintf(w, "%s\n", wrapText(t.note, opts.Width))
		return err
	}
	return nil
}

// WriteTextTable writes a table of text cells under header, in rows, wrapping the widest columns
// until it fits width (0: no limit): for the CLI's small tables. With wholeFirst, the first
// column is never wrapped (an address).
func WriteTextTable(w io.Writer, header []string, rows [][]string, width int, wholeFirst bool) error {
	return WriteTextTableDrop(w, header, nil, rows, width, wholeFirst)
}

// WriteTextTableDrop is WriteTextTable for a table some of whose columns may be left out when it
// does not fit: drop[i] > 0 for those, the highest first (as the stats tables do).
func WriteTextTableDrop(w io.Writer, header []string, drop []int, rows [][]string, width int, wholeFirst bool) error {
	t := &table{}
	for i, h := range header {
		c := column{head: h, kind: colText}
		if i < len(drop) {
			c.drop = drop[i]
		}
		t.cols = append(t.cols, c)
	}
	t.wholeFirst = wholeFirst
	for _, r := range rows {
		cells := make([]cell, len(r))
		for i, c := range r {
			cells[i] = txt(c)
		}
		t.rows = append(t.rows, cells)
	}
	return writeTable(w, t, FormatTable, Options{Width: width})
}

// layout is what a table shows within a width: its columns, the width of the bar, and the
// width of the text columns that must be wrapped.
type layout struct {
	keep  []int
	bar   int
	limit map[int]int // column index -> text width; nil when nothing is wrapped
}

// minBar and minText are the narrowest a bar and a cut text column get.
const (
	minBar  = 10
	minText = 8
)

// layout fits t in opts.Width (table format only; Markdown is for documents): it leaves out
// the columns with the highest drop first, while the table does not fit with its bar at
// minBar; gives the bar what is left, up to opts.BarWidth; then wraps the widest text columns,
// down to minText or their header, until the table fits.
func (t *table) layout(format Format, opts Options) layout {
	lay := layout{keep: t.columns(false), bar: opts.BarWidth}
	if lay.bar <= 0 {
		lay.bar = DefaultBarWidth
	}
	if t.wrap > 0 && opts.Width > 0 {
		lay.limit = map[int]int{} // wrapped by wrapText at t.wrap at most, not by tablewriter
	}
	widths := t.naturalWidths(lay.keep)
	if t.wrap > 0 && opts.Width > 0 {
		for ci, wd := range widths {
			if t.cols[ci].kind == colText && wd > t.wrap {
				widths[ci], lay.limit[ci] = t.wrap, t.wrap
			}
		}
	}
	if opts.Width <= 0 || format != FormatTable {
		if t.wrap > 0 && format != FormatTable {
			lay.limit = nil
		}
		return lay
	}
	total := func(bar int) int {
		n := 1
		for _, ci := range lay.keep {
			if t.cols[ci].kind == colBar {
				n += bar + 3
			} else {
				n += widths[ci] + 3
			}
		}
		return n
	}
	for total(minBar) > opts.Width {
		drop := -1
		for i, ci := range lay.keep {
			if d := t.cols[ci].drop; d > 0 && (drop < 0 || d > t.cols[lay.keep[drop]].drop) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		lay.keep = append(lay.keep[:drop:drop], lay.keep[drop+1:]...)
	}
	if room := opts.Width - total(0); room < lay.bar {
		lay.bar = max(minBar, room)
	}
	cells := t.cellWidths(lay.keep)
	floor := func(ci int) int { // how narrow a column can get: headers wrap, numbers do not
		f := longestWord(t.cols[ci].head)
		if t.cols[ci].kind == colText && !(t.wholeFirst && ci == 0) {
			return max(f, min(minText, widths[ci]))
		}
		return max(f, cells[ci])
	}
	for total(lay.bar) > opts.Width { // narrow the widest column by one, so that they even out
		widest := -1
		for _, ci := range lay.keep {
			if t.cols[ci].kind != colBar && widths[ci] > floor(ci) && (widest < 0 || widths[ci] > widths[widest]) {
				widest = ci
			}
		}
		if widest < 0 {
			break // as narrow as it gets
		}
		widths[widest]--
		if lay.limit == nil {
			lay.limit = map[int]int{}
		}
		lay.limit[widest] = widths[widest]
	}
	return lay
}

// naturalWidths returns the display width of each column of keep: its widest line of text,
// header included.
func (t *table) naturalWidths(keep []int) map[int]int {
	widths := t.cellWidths(keep)
	for _, ci := range keep {
		widths[ci] = max(widths[ci], textWidth(t.cols[ci].head))
	}
	return widths
}

// longestWord is the display width of the longest word of s.
func longestWord(s string) int {
	n := 0
	for _, w := range strings.Fields(s) {
		n = max(n, twwidth.Width(w))
	}
	return n
}

// cellWidths returns the display width of the widest cell of each column of keep.
func (t *table) cellWidths(keep []int) map[int]int {
	widths := make(map[int]int, len(keep))
	rows := t.rows
	if t.footer != nil {
		rows = append(rows[:len(rows):len(rows)], t.footer)
	}
	for _, r := range rows {
		for _, ci := range keep {
			widths[ci] = max(widths[ci], textWidth(r[ci].text))
		}
	}
	return widths
}

// textWidth is the display width of the widest line of s.
func textWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, twwidth.Width(line))
	}
	return w
}

// texts returns the cells of a row that lay shows, as tablewriter gets them: bars drawn, text
// wrapped to its limit, coloured when over a target.
func (t *table) texts(cells []cell, lay layout, color bool) []string {
	out := make([]string, len(lay.keep))
	for i, ci := range lay.keep {
		c := cells[ci]
		s := c.text
		switch lim, cut := lay.limit[ci]; {
		case t.cols[ci].kind == colBar:
			s = bar(c.bar, c.max, lay.bar)
		case cut && t.cols[ci].kind == colText:
			s = wrapLines(s, lim) // wrapped, not cut: nothing is lost
		}
		out[i] = s
		if color && c.warn {
			out[i] = ansiRed + s + ansiReset
		}
	}
	return out
}

// wrapLines wraps every line of s at width display cells.
func wrapLines(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = wrapText(l, width)
	}
	return strings.Join(lines, "\n")
}

// Wrap breaks s into lines of at most width display cells, between words (see wrapText), for
// the lines of prose around the tables.
func Wrap(s string, width int) string { return wrapText(s, width) }

// wrapText breaks s into lines of at most width display cells, between words; a word longer
// than width is cut. width 0 leaves s as it is.
func wrapText(s string, width int) string {
	if width <= 0 || twwidth.Width(s) <= width {
		return s
	}
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		ww := twwidth.Width(word)
		for ww > width { // a word longer than a line: cut it
			if n > 0 {
				b.WriteByte('\n')
				n = 0
			}
			head := twwidth.Truncate(word, width)
			b.WriteString(head)
			b.WriteByte('\n')
			word = word[len(head):]
			ww = twwidth.Width(word)
		}
		switch {
		case ww == 0:
		case n == 0:
			b.WriteString(word)
			n = ww
		case n+1+ww <= width:
			b.WriteByte(' ')
			b.WriteString(word)
			n += 1 + ww
		default:
			b.WriteByte('\n')
			b.WriteString(word)
			n = ww
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
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
