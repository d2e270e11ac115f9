package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/stats"
)

// maxFillDays bounds the days shown without bounces: longer periods show only days with data.
const maxFillDays = 400

// Group is one line of a table: the counted events having one key.
type Group struct {
	Key            string        `json:"key"`
	Label          string        `json:"label,omitempty"` // weeks: ISO week, "2026-W02"
	Bounces        int           `json:"bounces"`         // every counted event (see stats.Counted)
	Recipients     int           `json:"recipients,omitempty"`
	Hard           int           `json:"hard"`
	Soft           int           `json:"soft"`
	Block          int           `json:"block"`
	Complaints     int           `json:"complaints"`
	Unknown        int           `json:"unknown"`
	Share          float64       `json:"share"`      // of all bounces in the period
	HardShare      float64       `json:"hard_share"` // Hard / Bounces
	TopReason      bounce.Reason `json:"top_reason,omitempty"`
	TopReasonCount int           `json:"top_reason_count,omitempty"`
	Type           bounce.Type   `json:"type,omitempty"` // reasons: the type most of its events have
	Rates          *Rates        `json:"rates,omitempty"`

	reasons map[bounce.Reason]int
	types   map[bounce.Type]int
}

// Failures returns the bounces that are not complaints: the numerator of the bounce rate.
func (g *Group) Failures() int { return g.Bounces - g.Complaints }

// ConfidenceRow is one band of classification confidence.
type ConfidenceRow struct {
	Band  string  `json:"band"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

// Stats holds every table for a period.
type Stats struct {
	Period      stats.Period    `json:"period"`
	Provider    string          `json:"provider,omitempty"` // the provider filter, "" for all
	Total       Group           `json:"total"`
	Providers   []Group         `json:"providers"`
	Reasons     []Group         `json:"reasons"`
	Types       []Group         `json:"types"`
	Days        []Group         `json:"days"`
	Weeks       []Group         `json:"weeks"`
	Campaigns   []Group         `json:"campaigns,omitempty"` // nil when no campaign is known
	Domains     []Group         `json:"domains,omitempty"`   // nil when no sending domain is known
	Confidence  []ConfidenceRow `json:"confidence"`
	Undecodable int             `json:"undecodable"`
	AutoReplies int             `json:"autoreplies"` // not counted as bounces
	Deliveries  int             `json:"deliveries"`  // not counted as bounces
	SentKnown   bool            `json:"sent_known"`  // sent volumes cover the period: see Rates

	// The sent volumes of the period, per campaign: those whose campaign has bounces in the
	// period count in the rates; the others are left out, since they match nothing.
	SentMatched   []SentVolume `json:"sent_matched,omitempty"`
	SentUnmatched []SentVolume `json:"sent_unmatched,omitempty"`

	// Outside counts the bounces stored outside the period (under the provider filter), with
	// the first and last day of all the bounces stored: a period that shows few of them says so.
	Outside *Outside `json:"outside_period,omitempty"`

	recipients map[stats.Dimension]bool
}

// Outside is what lies outside the period of a Stats.
type Outside struct {
	Bounces  int    `json:"bounces"`
	FirstDay string `json:"first_day"` // of all the bounces stored, YYYY-MM-DD
	LastDay  string `json:"last_day"`
}

// String is the line stats and recommend print about the bounces outside the period.
func (o *Outside) String() string {
	return fmt.Sprintf("Outside the period: %s; the bounces stored run from %s to %s (--from %s --to %s shows them all)",
		Plural(o.Bounces, "more bounce", "more bounces"), o.FirstDay, o.LastDay, o.FirstDay, o.LastDay)
}

// HasRecipients reports whether distinct recipient counts are known for a dimension.
func (s *Stats) HasRecipients(d stats.Dimension) bool { return s.recipients[d] }

// Build computes the tables from a Dataset.
func Build(ds *stats.Dataset) *Stats {
	b := newBuilder(ds.Query.Provider)
	for i := range ds.Counts {
		b.add(&ds.Counts[i])
	}
	for i := range ds.Campaigns {
		b.addCampaign(&ds.Campaigns[i])
	}
	s := b.finish(ds)
	applyRates(s, ds)
	if n := ds.AllBounces - s.Total.Bounces; n > 0 && !ds.FirstDay.IsZero() {
		s.Outside = &Outside{Bounces: n, FirstDay: stats.DayKey(ds.FirstDay), LastDay: stats.DayKey(ds.LastDay)}
	}
	return s
}

type builder struct {
	provider string
	total    Group
	groups   map[stats.Dimension]map[string]*Group
	conf     [3]int
	auto     int
	delivery int
}

func newBuilder(provider string) *builder {
	b := &builder{provider: provider, groups: map[stats.Dimension]map[string]*Group{}}
	for _, d := range stats.Dimensions[1:] {
		b.groups[d] = map[string]*Group{}
	}
	return b
}

func (b *builder) add(r *stats.CountRow) {
	if b.provider != "" && r.Provider != b.provider {
		return
	}
	switch r.Type {
	case bounce.TypeAutoReply:
		b.auto += r.Count
		return
	case bounce.TypeDelivered:
		b.delivery += r.Count
		return
	}
	if r.Confidence >= stats.ConfLow && r.Confidence <= stats.ConfHigh {
		b.conf[r.Confidence] += r.Count
	}
	week, _ := stats.WeekKey(r.Day)
	b.total.count(r.Type, r.Reason, r.Count)
	b.group(stats.DimProvider, r.Provider).count(r.Type, r.Reason, r.Count)
	b.group(stats.DimReason, string(r.Reason)).count(r.Type, r.Reason, r.Count)
	b.group(stats.DimType, string(r.Type)).count(r.Type, r.Reason, r.Count)
	b.group(stats.DimDay, r.Day).count(r.Type, r.Reason, r.Count)
	b.group(stats.DimWeek, week).count(r.Type, r.Reason, r.Count)
}

func (b *builder) addCampaign(r *stats.CampaignRow) {
	if (b.provider != "" && r.Provider != b.provider) || !stats.Counted(r.Type) {
		return
	}
	b.group(stats.DimCampaign, r.Campaign).count(r.Type, r.Reason, r.Count)
	b.group(stats.DimDomain, r.SendingDomain).count(r.Type, r.Reason, r.Count)
}

// group returns the group of a key, creating it.
func (b *builder) group(d stats.Dimension, key string) *Group {
	g := b.groups[d][key]
	if g == nil {
		g = &Group{Key: key}
		b.groups[d][key] = g
	}
	return g
}

// count adds n events of a type and reason to the group.
func (g *Group) count(typ bounce.Type, reason bounce.Reason, n int) {
	g.Bounces += n
	switch typ {
	case bounce.TypeHard:
		g.Hard += n
	case bounce.TypeSoft:
		g.Soft += n
	case bounce.TypeBlock:
		g.Block += n
	case bounce.TypeComplaint:
		g.Complaints += n
	default:
		g.Unknown += n
	}
	if g.reasons == nil {
		g.reasons = map[bounce.Reason]int{}
		g.types = map[bounce.Type]int{}
	}
	g.reasons[reason] += n
	g.types[typ] += n
}

func (b *builder) finish(ds *stats.Dataset) *Stats {
	s := &Stats{
		Period:      ds.Query.Period,
		Provider:    ds.Query.Provider,
		Undecodable: ds.Undecodable,
		AutoReplies: b.auto,
		Deliveries:  b.delivery,
		recipients:  map[stats.Dimension]bool{},
	}
	s.Total = b.total
	s.Total.Key = "total"
	b.fillDays(ds.Query.Period)
	lists := map[stats.Dimension]*[]Group{stats.DimProvider: &s.Providers, stats.DimReason: &s.Reasons, stats.DimType: &s.Types,
		stats.DimDay: &s.Days, stats.DimWeek: &s.Weeks, stats.DimCampaign: &s.Campaigns, stats.DimDomain: &s.Domains}
	for d, dst := range lists {
		*dst = b.list(d)
	}
	s.applyDistinct(ds.Distinct)
	s.Total.finish(s.Total.Bounces)
	for _, list := range [][]Group{s.Providers, s.Reasons, s.Types, s.Days, s.Weeks, s.Campaigns, s.Domains} {
		for i := range list {
			list[i].finish(s.Total.Bounces)
		}
	}
	for i := range s.Weeks {
		s.Weeks[i].Label = stats.WeekLabel(s.Weeks[i].Key)
	}
	for i := range s.Reasons {
		s.Reasons[i].Type = topType(s.Reasons[i].types)
	}
	s.Confidence = confidenceRows(b.conf, s.Total.Bounces)
	if onlyUnknown(s.Campaigns) {
		s.Campaigns = nil
	}
	if onlyUnknown(s.Domains) {
		s.Domains = nil
	}
	return s
}

// fillDays adds the days of the period without bounces, so that the trend shows them.
func (b *builder) fillDays(p stats.Period) {
	if p.From.IsZero() || !p.To.After(p.From) || p.To.Sub(p.From) > maxFillDays*24*time.Hour {
		return
	}
	last := p.To.Add(-time.Nanosecond).UTC()
	for t := p.From.UTC(); !t.After(last) || stats.DayKey(t) == stats.DayKey(last); t = t.AddDate(0, 0, 1) {
		d := stats.DayKey(t)
		if b.groups[stats.DimDay][d] == nil {
			b.groups[stats.DimDay][d] = &Group{Key: d}
		}
		w, _ := stats.WeekKey(d)
		if b.groups[stats.DimWeek][w] == nil {
			b.groups[stats.DimWeek][w] = &Group{Key: w}
		}
	}
}

// list returns the groups of a dimension in table order: by time for days and weeks, else by
// bounces (most first), then key, with the unknown key ("") last.
func (b *builder) list(d stats.Dimension) []Group {
	m := b.groups[d]
	out := make([]Group, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	if d == stats.DimDay || d == stats.DimWeek {
		slices.SortFunc(out, func(x, y Group) int { return strings.Compare(x.Key, y.Key) })
		return out
	}
	slices.SortFunc(out, func(x, y Group) int {
		if (x.Key == "") != (y.Key == "") {
			if x.Key == "" {
				return 1
			}
			return -1
		}
		if x.Bounces != y.Bounces {
			return y.Bounces - x.Bounces
		}
		return strings.Compare(x.Key, y.Key)
	})
	return out
}

// applyDistinct copies the distinct recipient counts into the groups.
func (s *Stats) applyDistinct(rows []stats.DistinctRow) {
	index := map[stats.Dimension]map[string]int{}
	for _, r := range rows {
		if index[r.Dim] == nil {
			index[r.Dim] = map[string]int{}
		}
		index[r.Dim][r.Key] += r.Recipients
		s.recipients[r.Dim] = true
	}
	s.Total.Recipients = index[stats.DimAll][""]
	lists := map[stats.Dimension][]Group{stats.DimProvider: s.Providers, stats.DimReason: s.Reasons, stats.DimType: s.Types,
		stats.DimDay: s.Days, stats.DimWeek: s.Weeks, stats.DimCampaign: s.Campaigns, stats.DimDomain: s.Domains}
	for d, list := range lists {
		for i := range list {
			list[i].Recipients = index[d][list[i].Key]
		}
	}
}

// finish computes the shares and the top reason.
func (g *Group) finish(total int) {
	g.Share = ratio(g.Bounces, total)
	g.HardShare = ratio(g.Hard, g.Bounces)
	for r, n := range g.reasons {
		if n > g.TopReasonCount || (n == g.TopReasonCount && r < g.TopReason) {
			g.TopReason, g.TopReasonCount = r, n
		}
	}
}

func topType(types map[bounce.Type]int) bounce.Type {
	var top bounce.Type
	best := 0
	for t, n := range types {
		if n > best || (n == best && t < top) {
			top, best = t, n
		}
	}
	return top
}

func confidenceRows(conf [3]int, total int) []ConfidenceRow {
	rows := make([]ConfidenceRow, 0, len(conf))
	for b, n := range conf {
		rows = append(rows, ConfidenceRow{Band: stats.ConfBucket(b).Label(), Count: n, Share: ratio(n, total)})
	}
	return rows
}

func onlyUnknown(groups []Group) bool {
	for _, g := range groups {
		if g.Key != "" {
			return false
		}
	}
	return true
}

// ratio returns n/d, or 0 when d is 0.
func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
