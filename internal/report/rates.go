package report

import (
	"github.com/reboundhq/rebound/internal/stats"

	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
)

// The usual targets for rates over sent volume. A rate is flagged when it reaches its target:
// a healthy sender stays below each of them.
const (
	TargetHardRate      = 0.02  // hard bounces / sent
	TargetBounceRate    = 0.05  // bounces other than complaints / sent
	TargetComplaintRate = 0.001 // complaints / sent
)

// Names of the flags of Rates.Over.
const (
	OverHard      = "hard"
	OverBounce    = "bounce"
	OverComplaint = "complaint"
)

// Rates compares a group's bounces with the messages sent.
type Rates struct {
	Sent        int      `json:"sent"`
	HardCount   int      `json:"hard_count"`
	BounceCount int      `json:"bounce_count"` // bounces other than complaints
	Complaints  int      `json:"complaint_count"`
	Hard        float64  `json:"hard_rate"`
	Bounce      float64  `json:"bounce_rate"`
	Complaint   float64  `json:"complaint_rate"`
	Over        []string `json:"over,omitempty"` // OverHard, OverBounce, OverComplaint
}

// IsOver reports whether a flag is set.
func (r *Rates) IsOver(flag string) bool {
	for _, f := range r.Over {
		if f == flag {
			return true
		}
	}
	return false
}

func newRates(sent, hard, bounces, complaints int) *Rates {
	r := &Rates{Sent: sent, HardCount: hard, BounceCount: bounces, Complaints: complaints,
		Hard: ratio(hard, sent), Bounce: ratio(bounces, sent), Complaint: ratio(complaints, sent)}
	if r.Hard >= TargetHardRate {
		r.Over = append(r.Over, OverHard)
	}
	if r.Bounce >= TargetBounceRate {
		r.Over = append(r.Over, OverBounce)
	}
	if r.Complaint >= TargetComplaintRate {
		r.Over = append(r.Over, OverComplaint)
	}
	return r
}

// SentVolume is the sent volume of one campaign in a period, as stats reports it: whether it
// matched bounces (and counts in the rates) or not.
type SentVolume struct {
	Campaign   string `json:"campaign"`
	Sent       int    `json:"sent"`
	DidYouMean string `json:"did_you_mean,omitempty"` // a campaign with bounces spelled almost the same
}

// sentVolumes sums the sent rows that apply to a query.
type sentVolumes struct {
	campaign      map[string]int
	provider      map[string]int
	splitCampaign map[string]bool // campaigns whose volume is given per provider
	total         int
}

// volumes keeps the rows dated within the period (undated rows always apply) and, under a
// provider filter, only the rows of that provider, and of those only the campaigns that keep
// returns true for.
func volumes(rows []stats.SentRow, q stats.Query, keep func(campaign string) bool) *sentVolumes {
	v := &sentVolumes{campaign: map[string]int{}, provider: map[string]int{}, splitCampaign: map[string]bool{}}
	for _, r := range rows {
		if r.Count <= 0 || !sentApplies(r, q) || !keep(r.Campaign) {
			continue
		}
		v.campaign[r.Campaign] += r.Count
		v.total += r.Count
		if r.Provider != "" {
			v.provider[r.Provider] += r.Count
			v.splitCampaign[r.Campaign] = true
		}
	}
	return v
}

func sentApplies(r stats.SentRow, q stats.Query) bool {
	if q.Provider != "" && r.Provider != q.Provider {
		return false
	}
	if r.Date == "" || q.Period.From.IsZero() {
		return true
	}
	first := stats.DayKey(q.Period.From)
	last := stats.DayKey(q.Period.To.Add(-time.Nanosecond))
	return r.Date >= first && r.Date <= last
}

// applyRates sets the rates of campaigns, of providers (from the campaigns whose volume is given
// per provider) and of the total (from the campaigns whose volume is known). Only the volumes of
// campaigns with bounces in the period (under the provider filter) count: a volume whose
// campaign matches no bounce, a misspelling such as "Black-Friday" for bounces attributed to
// "black-friday", would otherwise lower every rate it is part of. Such volumes are listed in
// Stats.SentUnmatched, with the campaign they were probably meant for.
func applyRates(s *Stats, ds *stats.Dataset) {
	bounced := map[string]bool{}
	for i := range s.Campaigns {
		if g := &s.Campaigns[i]; g.Key != "" && g.Bounces > 0 {
			bounced[g.Key] = true
		}
	}
	all := volumes(ds.Sent, ds.Query, func(string) bool { return true })
	if all.total == 0 {
		return
	}
	s.SentKnown = true
	for _, c := range slices.Sorted(maps.Keys(all.campaign)) {
		sv := SentVolume{Campaign: c, Sent: all.campaign[c]}
		if bounced[c] {
			s.SentMatched = append(s.SentMatched, sv)
			continue
		}
		sv.DidYouMean = didYouMean(c, bounced)
		s.SentUnmatched = append(s.SentUnmatched, sv)
	}
	v := volumes(ds.Sent, ds.Query, func(c string) bool { return bounced[c] })
	if v.total == 0 {
		return
	}
	var total Group
	for i := range s.Campaigns {
		g := &s.Campaigns[i]
		if sent := v.campaign[g.Key]; sent > 0 && g.Key != "" {
			g.Rates = newRates(sent, g.Hard, g.Failures(), g.Complaints)
			total.Hard += g.Hard
			total.Bounces += g.Bounces
			total.Complaints += g.Complaints
		}
	}
	s.Total.Rates = newRates(v.total, total.Hard, total.Failures(), total.Complaints)
	perProvider := providerCounts(ds, v.splitCampaign)
	for i := range s.Providers {
		g := &s.Providers[i]
		if sent := v.provider[g.Key]; sent > 0 {
			c := perProvider[g.Key]
			g.Rates = newRates(sent, c.Hard, c.Failures(), c.Complaints)
		}
	}
}

// providerCounts counts bounces per provider, for the campaigns in split only.
func providerCounts(ds *stats.Dataset, split map[string]bool) map[string]*Group {
	out := map[string]*Group{}
	if len(split) == 0 {
		return out
	}
	for i := range ds.Campaigns {
		r := &ds.Campaigns[i]
		if !split[r.Campaign] || !stats.Counted(r.Type) || (ds.Query.Provider != "" && r.Provider != ds.Query.Provider) {
			continue
		}
		g := out[r.Provider]
		if g == nil {
			g = &Group{}
			out[r.Provider] = g
		}
		g.count(r.Type, r.Reason, r.Count)
	}
	return out
}

// DidYouMean returns the one of known that name probably meant: the same once case, spaces,
// underscores and dots are ignored, else the closest within an edit distance of a quarter of
// its length (at least 1, at most 3); "" when none is close, or two are equally close.
func DidYouMean(name string, known []string) string {
	set := make(map[string]bool, len(known))
	for _, k := range known {
		set[k] = true
	}
	return didYouMean(name, set)
}

func didYouMean(name string, known map[string]bool) string {
	fold := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch r {
			case ' ', '_', '.':
				return '-'
			}
			return unicode.ToLower(r)
		}, s)
	}
	f := fold(name)
	best, bestD, ties := "", max(1, min(3, len([]rune(name))/4))+2, 0
	for _, k := range slices.Sorted(maps.Keys(known)) {
		if k == name {
			continue
		}
		d := 0
		if fold(k) != f {
			d = 1 + damerauLevenshtein(f, fold(k), bestD)
		}
		switch {
		case d < bestD:
			best, bestD, ties = k, d, 0
		case d == bestD:
			ties++
		}
	}
	if ties > 0 {
		return ""
	}
	return best
}
