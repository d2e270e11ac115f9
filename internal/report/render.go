package report

import (
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
	return fmt.Errorf("unknown --by %q (want %s)", by, strings.Join(ByValues, ", "))
}

// Render writes the tables of s: the one named by by, or all of them when by is "" (for CSV,
// which holds one table, "" means provider). Table and Markdown output start with the period
// and the totals and end with the confidence bands and the undecodable messages.
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
			by = "provider"
		}
		return writeCSV(w, s.table(by, opts))
	case FormatTable, FormatMarkdown:
		return renderText(w, s, by, format, opts)
	}
	return fmt.Errorf("stats cannot be written as %q (want table, json, csv or markdown)", format)
}

func renderText(w io.Writer, s *Stats, by string, format Format, opts Options) error {
	p := &printer{w: w}
	s.writeSummary(p, format)
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

func (s *Stats) writeSummary(p *printer, format Format) {
	who := "all providers"
	if s.Provider != "" {
		who = "provider " + s.Provider
	}
	bullet := ""
	if format == FormatMarkdown {
		bullet = "- "
	}
	p.line("%sPeriod: %s to %s UTC, %s", bullet, fmtTime(s.Period.From), fmtTime(s.Period.To), who)
	t := &s.Total
	recips := ""
	if s.HasRecipients(DimAll) {
		recips = fmt.Sprintf(", %s recipients", thousands(t.Recipients))
	}
	p.line("%sBounces: %s%s: %s hard, %s soft, %s block, %s complaints, %s unknown", bullet,
		thousands(t.Bounces), recips, thousands(t.Hard), thousands(t.Soft), thousands(t.Block),
		thousands(t.Complaints), thousands(t.Unknown))
	if r := t.Rates; r != nil {
		p.line("%sSent: %s (%s); hard rate %s, bounce rate %s, complaint rate %s", bullet, thousands(r.Sent),
			volumeNames(s.SentMatched), ratePct(r.Hard).text, ratePct(r.Bounce).text, ratePct(r.Complaint).text)
	}
	for i, v := range s.SentUnmatched {
		if i == maxUnmatchedShown {
			p.line("%s... and %d more sent volumes left out of the rates (--format json lists them)", bullet, len(s.SentUnmatched)-i)
			break
		}
		hint := ""
		if v.DidYouMean != "" {
			hint = "; did you mean " + v.DidYouMean + "?"
		}
		p.line("%sLeft out of the rates: %s sent for campaign %s, which no bounce of the period is attributed to%s",
			bullet, thousands(v.Sent), v.Campaign, hint)
	}
	if s.AutoReplies+s.Deliveries > 0 {
		p.line("%sNot counted: %s auto-replies, %s delivery notices", bullet, thousands(s.AutoReplies), thousands(s.Deliveries))
	}
	if s.Campaigns == nil {
		p.line("%sCampaigns: none known (see docs/attribution.md)", bullet)
	}
	p.line("%sUndecodable messages: %s%s", bullet, thousands(s.Undecodable), undecodableHint(s.Undecodable))
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
	return " (see them with `rebound parse --all`)"
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
		return s.kpiTable("By provider", "Provider", s.Providers, DimProvider, "no bounces in the period")
	case "campaign":
		return s.kpiTable("By campaign", "Campaign", s.Campaigns, DimCampaign,
			"no campaign known in the period (see docs/attribution.md)")
	case "domain":
		return s.kpiTable("By sending domain", "Sending domain", s.Domains, DimDomain,
			"no sending domain known in the period")
	case "reason":
		return s.reasonTable()
	case "type":
		return s.typeTable()
	case "day":
		return s.trendTable("By day", s.Days, DimDay, opts.BarWidth)
	}
	return s.trendTable("By week", s.Weeks, DimWeek, opts.BarWidth)
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
func (s *Stats) kpiTable(title, keyHead string, groups []Group, dim Dimension, empty string) *table {
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
	if withRates && dim != DimCampaign {
		total.Rates = nil // the total rate covers the campaigns, not this table's groups
	}
	if withRates && dim == DimProvider {
		t.note = "Provider rates count the bounces of the campaigns whose sent volume is given per provider."
	}
	t.footer = kpiRow(&total, txt("total"), withRates, recips)
	return t
}

func kpiColumns(keyHead string, withRates, recips bool) []column {
	cols := []column{{keyHead, "key", colText}}
	if withRates {
		cols = append(cols, column{"Sent", "sent", colNum})
	}
	cols = append(cols, column{"Bounces", "bounces", colNum})
	if recips {
		cols = append(cols, column{"Recipients", "recipients", colNum})
	}
	if withRates {
		return append(cols, column{"Hard", "hard", colNum}, column{"Complaints", "complaints", colNum},
			column{"Hard rate", "hard_rate_pct", colNum}, column{"Bounce rate", "bounce_rate_pct", colNum},
			column{"Complaint rate", "complaint_rate_pct", colNum}, column{"Over target", "over_target", colText},
			column{"Top reason", "top_reason", colText}, column{"", "top_reason_count", colCSV})
	}
	return append(cols, column{"Hard", "hard", colNum}, column{"Soft", "soft", colNum},
		column{"Block", "block", colNum}, column{"Complaints", "complaints", colNum},
		column{"Share", "share_pct", colNum}, column{"Hard %", "hard_pct", colNum},
		column{"Top reason", "top_reason", colText}, column{"", "top_reason_count", colCSV})
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
	recips := s.HasRecipients(DimReason)
	t := &table{title: "By reason", empty: "no bounces in the period"}
	t.cols = []column{{"Reason", "reason", colText}, {"Type", "type", colText}, {"Bounces", "bounces", colNum}}
	if recips {
		t.cols = append(t.cols, column{"Recipients", "recipients", colNum})
	}
	t.cols = append(t.cols, column{"Share", "share_pct", colNum})
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
	recips := s.HasRecipients(DimType)
	t := &table{title: "By type", empty: "no bounces in the period"}
	t.cols = []column{{"Type", "type", colText}, {"Bounces", "bounces", colNum}}
	if recips {
		t.cols = append(t.cols, column{"Recipients", "recipients", colNum})
	}
	t.cols = append(t.cols, column{"Share", "share_pct", colNum})
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
func (s *Stats) trendTable(title string, groups []Group, dim Dimension, width int) *table {
	recips := s.HasRecipients(dim)
	t := &table{title: title, empty: "no bounces in the period"}
	if dim == DimWeek {
		t.cols = []column{{"Week", "week", colText}, {"From", "from", colText}}
	} else {
		t.cols = []column{{"Day", "day", colText}, {"Weekday", "weekday", colText}}
	}
	t.cols = append(t.cols, column{"Bounces", "bounces", colNum})
	if recips {
		t.cols = append(t.cols, column{"Recipients", "recipients", colNum})
	}
	t.cols = append(t.cols, column{"Hard", "hard", colNum}, column{"Soft", "soft", colNum},
		column{"Block", "block", colNum}, column{"Complaints", "complaints", colNum}, column{"Trend", "", colBar})
	max := 0
	for i := range groups {
		max = maxInt(max, groups[i].Bounces)
	}
	row := func(g *Group, first, second string, b string) []cell {
		r := []cell{txt(first), txt(second), num(g.Bounces)}
		if recips {
			r = append(r, num(g.Recipients))
		}
		return append(r, num(g.Hard), num(g.Soft), num(g.Block), num(g.Complaints), barCell(b))
	}
	for i := range groups {
		g := &groups[i]
		first, second := g.Key, weekday(g.Key)
		if dim == DimWeek {
			first, second = g.Label, g.Key
		}
		t.rows = append(t.rows, row(g, first, second, bar(g.Bounces, max, width)))
	}
	t.footer = row(&s.Total, "total", "", "")
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
	t.cols = []column{{"Confidence", "confidence", colText}, {"Bounces", "bounces", colNum}, {"Share", "share_pct", colNum}}
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
		Period      Period  `json:"period"`
		Provider    string  `json:"provider,omitempty"`
		By          string  `json:"by"`
		Total       Group   `json:"total"`
		Rows        []Group `json:"rows"`
		Undecodable int     `json:"undecodable"`
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
