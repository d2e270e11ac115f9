// Package report turns a stats.Dataset into per-provider KPI tables (Build, Render), bounce
// and complaint rates against sent volumes, and recommendations (Recommend). Tables are written
// with tablewriter, as CSV (RFC 4180, via encoding/csv), Markdown or JSON.
//
// Status codes are RFC 3463 enhanced codes, reply codes RFC 5321 section 4.2 codes.
package report

import (
	"github.com/reboundhq/rebound/internal/stats"

	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// ByValues lists the values of `--by`, in the order Render writes all tables.
var ByValues = []string{"provider", "type", "reason", "day", "week", "campaign", "domain"}

// CheckBy checks a --by value; "" means every table.
func CheckBy(by string) error {
	if by == "" {
		return nil
	}
	for _, v := range ByValues {
		if by == v {
			return nil
		}
	}
	return fmt.Errorf("unknown --by %q (want %s, or all)", by, strings.Join(ByValues, ", "))
}

// Render writes the tables of s: the one named by by, or all of them when by is "". CSV of all
// the tables is one file with a first column, table, naming each row's table (see WriteCSVAll);
// CSVTable writes them one by one. Table and Markdown output start with the period and the
// totals and end with the confidence bands and the undecodable messages.
func Render(w io.Writer, s *Stats, by string, format Format, opts Options) error {
	if err := CheckBy(by); err != nil {
		return err
	}
	if opts.BarWidth <= 0 {
		opts.BarWidth = DefaultBarWidth
	}
	switch format {
	case FormatJSON:
		return renderJSON(w, s, by)
	case FormatCSV:
		if by == "" {
			return s.writeCSVAll(w, opts)
		}
		return writeCSV(w, s.table(by, opts))
	case FormatTable, FormatMarkdown:
		return renderText(w, s, by, format, opts)
	}
	return fmt.Errorf("stats cannot be written as %q (want table, json, csv or markdown)", format)
}

// CSVTables names the tables CSVTable writes: the --by values and "confidence".
var CSVTables = append(append([]string{}, ByValues...), "confidence")

// CSVTable writes one table of s as CSV (RFC 4180): one of CSVTables.
func CSVTable(w io.Writer, s *Stats, name string) error {
	if name == "confidence" {
		return writeCSV(w, s.confidenceTable())
	}
	if err := CheckBy(name); err != nil || name == "" {
		return fmt.Errorf("no table %q (want %s)", name, strings.Join(CSVTables, ", "))
	}
	return writeCSV(w, s.table(name, Options{}))
}

// writeCSVAll writes every table in one CSV file: a header of table and the union of the
// tables' columns (in the order they first appear), then each table's rows with its name in
// the first column and its own columns filled.
func (s *Stats) writeCSVAll(w io.Writer, opts Options) error {
	var header []string
	seen := map[string]int{}
	tables := make([]*table, 0, len(CSVTables))
	for _, name := range CSVTables {
		t := s.confidenceTable()
		if name != "confidence" {
			t = s.table(name, opts)
		}
		tables = append(tables, t)
		for _, ci := range t.columns(true) {
			if _, ok := seen[t.cols[ci].csv]; !ok {
				seen[t.cols[ci].csv] = len(header)
				header = append(header, t.cols[ci].csv)
			}
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{"table"}, header...)); err != nil {
		return err
	}
	rec := make([]string, 1+len(header))
	for i, t := range tables {
		keep := t.columns(true)
		for _, r := range t.rows {
			clear(rec)
			rec[0] = CSVTables[i]
			for _, ci := range keep {
				rec[1+seen[t.cols[ci].csv]] = r[ci].csv
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func renderText(w io.Writer, s *Stats, by string, format Format, opts Options) error {
	p := &printer{w: w}
	s.writeSummary(p, format, opts.Width)
	names := ByValues
	if by != "" {
		names = []string{by}
	}
	for _, name := range names {
		t := s.table(name, opts)
		if by == "" && len(t.rows) == 0 && (name == "campaign" || name == "domain") {
			continue // not known: said once in the summary
		}
		p.heading(format, t.title)
		if p.err == nil {
			p.err = writeTable(w, t, format, opts)
		}
	}
	if by == "" {
		t := s.confidenceTable()
		p.heading(format, t.title)
		if p.err == nil {
			p.err = writeTable(w, t, format, opts)
		}
	}
	return p.err
}

// printer writes lines and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func (p *printer) heading(format Format, title string) {
	if format == FormatMarkdown {
		p.line("\n### %s\n", title)
		return
	}
	p.line("\n%s", title)
}

func (s *Stats) writeSummary(p *printer, format Format, width int) {
	who := "all providers"
	if s.Provider != "" {
		who = "provider " + s.Provider
	}
	// say writes one line of the summary: a bullet in Markdown, wrapped within width otherwise.
	say := func(f string, args ...any) {
		text := fmt.Sprintf(f, args...)
		if format == FormatMarkdown {
			p.line("- %s", text)
			return
		}
		p.hanging("", text, width)
	}
	say("Period: %s to %s UTC, %s", fmtTime(s.Period.From), fmtTime(s.Period.To), who)
	t := &s.Total
	recips := ""
	if s.HasRecipients(stats.DimAll) {
		recips = ", " + Plural(t.Recipients, "recipient", "recipients")
	}
	say("Bounces: %s%s: %s hard, %s soft, %s block, %s, %s unknown", thousands(t.Bounces), recips,
		thousands(t.Hard), thousands(t.Soft), thousands(t.Block), Plural(t.Complaints, "complaint", "complaints"),
		thousands(t.Unknown))
	if r := t.Rates; r != nil {
		say("Sent: %s (%s); hard rate %s, bounce rate %s, complaint rate %s", thousands(r.Sent),
			volumeNames(s.SentMatched), ratePct(r.Hard).text, ratePct(r.Bounce).text, ratePct(r.Complaint).text)
	}
	for _, line := range s.partlyCovered() {
		say("%s", line)
	}
	for i, v := range s.SentUnmatched {
		if i == maxUnmatchedShown {
			say("... and %s left out of the rates (--format json lists them)",
				Plural(len(s.SentUnmatched)-i, "more sent volume", "more sent volumes"))
			break
		}
		hint := ""
		if v.DidYouMean != "" {
			hint = "; did you mean " + v.DidYouMean + "?"
		}
		say("Left out of the rates: %s sent for campaign %s, which no bounce of the period is attributed to%s",
			thousands(v.Sent), v.Campaign, hint)
	}
	if o := s.Outside; o != nil {
		say("%s", o)
	}
	if s.AutoReplies+s.Deliveries > 0 {
		say("Not counted: %s, %s", Plural(s.AutoReplies, "auto-reply", "auto-replies"),
			Plural(s.Deliveries, "delivery notice", "delivery notices"))
	}
	if s.Campaigns == nil {
		say("Campaigns: none known (see docs/attribution.md)")
	}
	say("Undecodable messages: %s%s", thousands(s.Undecodable), undecodableHint(s.Undecodable))
}

// Plural writes n with the singular or the plural noun: "1 complaint", "2 complaints", "0
// complaints".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// partlyCovered says, for each campaign whose sent volume is given for some providers only and
// that has bounces elsewhere, that its rates (and the total's) count only the bounces at those
// providers.
func (s *Stats) partlyCovered() []string {
	var out []string
	for i := range s.Campaigns {
		g := &s.Campaigns[i]
		if r := g.Rates; r != nil && r.LeftOut > 0 {
			out = append(out, fmt.Sprintf("Campaign %s has a sent volume for %s only: its rates count its bounces there, "+
				"leaving out %s elsewhere (record its other volume without --provider to rate them all)",
				g.Key, joinAnd(r.Only), Plural(r.LeftOut, "bounce", "bounces")))
		}
	}
	return out
}

// joinAnd joins names as "a", "a and b", "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// maxUnmatchedShown bounds the sent volumes without bounces listed in the summary.
const maxUnmatchedShown = 5

// volumeNames names the campaigns whose volumes count in the rates: "campaign spring",
// "campaigns spring and summer", "campaigns a, b, c and 4 more".
func volumeNames(vs []SentVolume) string {
	names := make([]string, 0, 3)
	for i, v := range vs {
		if i == 3 {
			names = append(names, fmt.Sprintf("%d more", len(vs)-i))
			break
		}
		names = append(names, v.Campaign)
	}
	switch len(names) {
	case 0:
		return "no campaign"
	case 1:
		return "campaign " + names[0]
	}
	return "campaigns " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func undecodableHint(n int) string {
	if n == 0 {
		return ""
	}
	return " (list them with `rebound show --undecodable`)"
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// table builds the table named by a --by value.
func (s *Stats) table(by string, opts Options) *table {
	switch by {
	case "provider":
		return s.kpiTable("By provider", "Provider", s.Providers, stats.DimProvider, "no bounces in the period")
	case "campaign":
		return s.kpiTable("By campaign", "Campaign", s.Campaigns, stats.DimCampaign,
			"no campaign known in the period (see docs/attribution.md)")
	case "domain":
		return s.kpiTable("By sending domain", "Sending domain", s.Domains, stats.DimDomain,
			"no sending domain known in the period")
	case "reason":
		return s.reasonTable()
	case "type":
		return s.typeTable()
	case "day":
		return s.trendTable("By day", s.Days, stats.DimDay)
	}
	return s.trendTable("By week", s.Weeks, stats.DimWeek)
}

// keyCell shows a key; the empty key is an unknown value, left empty in CSV.
func keyCell(k string) cell {
	if k == "" {
		return cell{text: "(unknown)"}
	}
	return txt(k)
}

func topReason(g *Group) cell {
	if g.TopReason == "" {
		return txt("")
	}
	return cell{text: fmt.Sprintf("%s (%s)", g.TopReason, thousands(g.TopReasonCount)), csv: string(g.TopReason)}
}

// kpiTable is the table of providers, campaigns or sending domains: shares, or rates when sent
// volumes are known for some of its groups.
func (s *Stats) kpiTable(title, keyHead string, groups []Group, dim stats.Dimension, empty string) *table {
	withRates := false
	for i := range groups {
		withRates = withRates || groups[i].Rates != nil
	}
	recips := s.HasRecipients(dim)
	t := &table{title: title, empty: empty}
	t.cols = kpiColumns(keyHead, withRates, recips)
	for i := range groups {
		t.rows = append(t.rows, kpiRow(&groups[i], keyCell(groups[i].Key), withRates, recips))
	}
	total := s.Total
	if withRates && dim != stats.DimCampaign {
		total.Rates = nil // the total rate covers the campaigns, not this table's groups
	}
	if withRates && dim == stats.DimProvider {
		t.note = "Provider rates count the bounces of the campaigns whose sent volume is given per provider."
	}
	t.footer = kpiRow(&total, txt("total"), withRates, recips)
	return t
}

func kpiColumns(keyHead string, withRates, recips bool) []column {
	// When the table must be narrower (Options.Width), the columns with the highest drop go
	// first: at 80 columns a table of shares keeps the key, bounces, hard, soft, block,
	// complaints and the top reason, a table of rates the key, sent, the three rates and the
	// targets reached.
	cols := []column{{keyHead, "key", colText, 0}}
	if withRates {
		cols = append(cols, column{"Sent", "sent", colNum, 0})
	}
	bouncesDrop := 0
	if withRates {
		bouncesDrop = 5 // the rates say more
	}
	cols = append(cols, column{"Bounces", "bounces", colNum, bouncesDrop})
	if recips {
		cols = append(cols, column{"Recipients", "recipients", colNum, 9})
	}
	if withRates {
		return append(cols, column{"Hard", "hard", colNum, 6}, column{"Complaints", "complaints", colNum, 7},
			column{"Hard rate", "hard_rate_pct", colNum, 0}, column{"Bounce rate", "bounce_rate_pct", colNum, 0},
			column{"Complaint rate", "complaint_rate_pct", colNum, 0}, column{"Over target", "over_target", colText, 0},
			column{"Top reason", "top_reason", colText, 8}, column{"", "top_reason_count", colCSV, 0})
	}
	return append(cols, column{"Hard", "hard", colNum, 0}, column{"Soft", "soft", colNum, 4},
		column{"Block", "block", colNum, 3}, column{"Complaints", "complaints", colNum, 0},
		column{"Share", "share_pct", colNum, 7}, column{"Hard %", "hard_pct", colNum, 8},
		column{"Top reason", "top_reason", colText, 2}, column{"", "top_reason_count", colCSV, 0})
}

func kpiRow(g *Group, key cell, withRates, recips bool) []cell {
	row := []cell{key}
	if withRates {
		if g.Rates != nil {
			row = append(row, num(g.Rates.Sent))
		} else {
			row = append(row, dash())
		}
	}
	row = append(row, num(g.Bounces))
	if recips {
		row = append(row, num(g.Recipients))
	}
	if withRates {
		return append(append(row, num(g.Hard), num(g.Complaints)), rateCells(g.Rates, g)...)
	}
	return append(row, num(g.Hard), num(g.Soft), num(g.Block), num(g.Complaints), pct(g.Share),
		pct(g.HardShare), topReason(g), num(g.TopReasonCount))
}

// rateCells are the rate columns, the targets exceeded, and the top reason.
func rateCells(r *Rates, g *Group) []cell {
	if r == nil {
		return []cell{dash(), dash(), dash(), txt(""), topReason(g), num(g.TopReasonCount)}
	}
	over := txt(strings.Join(r.Over, ", "))
	over.warn = len(r.Over) > 0
	return []cell{
		warnIf(ratePct(r.Hard), r.IsOver(OverHard)),
		warnIf(ratePct(r.Bounce), r.IsOver(OverBounce)),
		warnIf(ratePct(r.Complaint), r.IsOver(OverComplaint)),
		over, topReason(g), num(g.TopReasonCount),
	}
}

func (s *Stats) reasonTable() *table {
	recips := s.HasRecipients(stats.DimReason)
	t := &table{title: "By reason", empty: "no bounces in the period"}
	t.cols = []column{{"Reason", "reason", colText, 0}, {"Type", "type", colText, 0}, {"Bounces", "bounces", colNum, 0}}
	if recips {
		t.cols = append(t.cols, column{"Recipients", "recipients", colNum, 9})
	}
	t.cols = append(t.cols, column{"Share", "share_pct", colNum, 0})
	row := func(g *Group, key cell, typ string) []cell {
		r := []cell{key, txt(typ), num(g.Bounces)}
		if recips {
			r = append(r, num(g.Recipients))
		}
		return append(r, pct(g.Share))
	}
	for i := range s.Reasons {
		g := &s.Reasons[i]
		t.rows = append(t.rows, row(g, keyCell(g.Key), string(g.Type)))
	}
	t.footer = row(&s.Total, txt("total"), "")
	return t
}

func (s *Stats) typeTable() *table {
	recips := s.HasRecipients(stats.DimType)
	t := &table{title: "By type", empty: "no bounces in the period"}
	t.cols = []column{{"Type", "type", colText, 0}, {"Bounces", "bounces", colNum, 0}}
	if recips {
		t.cols = append(t.cols, column{"Recipients", "recipients", colNum, 9})
	}
	t.cols = append(t.cols, column{"Share", "share_pct", colNum, 0})
	row := func(g *Group, key cell) []cell {
		r := []cell{key, num(g.Bounces)}
		if recips {
			r = append(r, num(g.Recipients))
		}
		return append(r, pct(g.Share))
	}
	for i := range s.Types {
		t.rows = append(t.rows, row(&s.Types[i], keyCell(s.Types[i].Key)))
	}
	t.footer = row(&s.Total, txt("total"))
	return t
}

// trendTable is the table of days or weeks, with a bar scaled to the busiest one.
func (s *Stats) trendTable(title string, groups []Group, dim stats.Dimension) *table {
	recips := s.HasRecipients(dim)
	t := &table{title: title, empty: "no bounces in the period"}
	if dim == stats.DimWeek {
		t.cols = []column{{"Week", "week", colText, 0}, {"From", "from", colText, 8}}
	} else {
		t.cols = []column{{"Day", "day", colText, 0}, {"Weekday", "weekday", colText, 8}}
	}
	t.cols = append(t.cols, column{"Bounces", "bounces", colNum, 0})
	if recips {
		t.cols = append(t.cols, column{"Recipients", "recipients", colNum, 9})
	}
	t.cols = append(t.cols, column{"Hard", "hard", colNum, 0}, column{"Soft", "soft", colNum, 0},
		column{"Block", "block", colNum, 0}, column{"Complaints", "complaints", colNum, 7}, column{"Trend", "", colBar, 0})
	max := 0
	for i := range groups {
		max = maxInt(max, groups[i].Bounces)
	}
	row := func(g *Group, first, second string, b cell) []cell {
		r := []cell{txt(first), txt(second), num(g.Bounces)}
		if recips {
			r = append(r, num(g.Recipients))
		}
		return append(r, num(g.Hard), num(g.Soft), num(g.Block), num(g.Complaints), b)
	}
	for i := range groups {
		g := &groups[i]
		first, second := g.Key, weekday(g.Key)
		if dim == stats.DimWeek {
			first, second = g.Label, g.Key
		}
		t.rows = append(t.rows, row(g, first, second, barCell(g.Bounces, max)))
	}
	t.footer = row(&s.Total, "total", "", cell{})
	return t
}

func weekday(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return ""
	}
	return t.Weekday().String()[:3]
}

func (s *Stats) confidenceTable() *table {
	t := &table{title: "Classification confidence", empty: "no bounces in the period"}
	t.cols = []column{{"Confidence", "confidence", colText, 0}, {"Bounces", "bounces", colNum, 0}, {"Share", "share_pct", colNum, 0}}
	for _, c := range s.Confidence {
		t.rows = append(t.rows, []cell{txt(c.Band), num(c.Count), pct(c.Share)})
	}
	return t
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// renderJSON writes the whole Stats, or for one --by the period, the total and that table.
func renderJSON(w io.Writer, s *Stats, by string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if by == "" {
		return enc.Encode(s)
	}
	rows := s.groups(by)
	if rows == nil {
		rows = []Group{}
	}
	return enc.Encode(struct {
		Period      stats.Period `json:"period"`
		Provider    string       `json:"provider,omitempty"`
		By          string       `json:"by"`
		Total       Group        `json:"total"`
		Rows        []Group      `json:"rows"`
		Undecodable int          `json:"undecodable"`
	}{s.Period, s.Provider, by, s.Total, rows, s.Undecodable})
}

func (s *Stats) groups(by string) []Group {
	switch by {
	case "provider":
		return s.Providers
	case "reason":
		return s.Reasons
	case "type":
		return s.Types
	case "day":
		return s.Days
	case "week":
		return s.Weeks
	case "campaign":
		return s.Campaigns
	}
	return s.Domains
}
