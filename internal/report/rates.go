package report

import (
	"github.com/reboundhq/rebound/internal/config"
	"github.com/reboundhq/rebound/internal/stats"

	"maps"
	"slices"
	"time"
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
	SoftCount   int      `json:"soft_count"`
	BlockCount  int      `json:"block_count"`
	BounceCount int      `json:"bounce_count"` // bounces other than complaints
	Complaints  int      `json:"complaint_count"`
	Hard        float64  `json:"hard_rate"`
	Bounce      float64  `json:"bounce_rate"`
	Complaint   float64  `json:"complaint_rate"`
	Over        []string `json:"over,omitempty"` // OverHard, OverBounce, OverComplaint

	// A campaign whose volume is given for some providers only is rated on its bounces at
	// those providers (Only); LeftOut counts its bounces elsewhere, which no volume covers.
	Only    []string `json:"only_providers,omitempty"`
	LeftOut int      `json:"bounces_left_out,omitempty"`
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

// ratesOf rates the counts of c against sent.
func ratesOf(sent int, c *Group) *Rates {
	r := newRates(sent, c.Hard, c.Failures(), c.Complaints)
	r.SoftCount, r.BlockCount = c.Soft, c.Block
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
	campaign map[string]int
	provider map[string]int
	covers   map[string]*coverage
	total    int
}

// coverage is where a campaign's volume was sent: to every provider when one of its rows names
// none (that row is the volume not given per provider), else to the providers its rows name.
type coverage struct {
	all       bool
	providers map[string]bool
}

// campaign reports whether the campaign's volume covers its bounces at a provider.
func (c *coverage) campaign(provider string) bool {
	return c != nil && (c.all || c.providers[provider])
}

// provider reports whether the campaign's volume at a provider is known.
func (c *coverage) provider(provider string) bool { return c != nil && c.providers[provider] }

// volumes keeps the rows dated within the period (undated rows always apply) and, under a
// provider filter, only the rows of that provider, and of those only the campaigns that keep
// returns true for.
func volumes(rows []stats.SentRow, q stats.Query, keep func(campaign string) bool) *sentVolumes {
	v := &sentVolumes{campaign: map[string]int{}, provider: map[string]int{}, covers: map[string]*coverage{}}
	for _, r := range rows {
		if r.Count <= 0 || !sentApplies(r, q) || !keep(r.Campaign) {
			continue
		}
		v.campaign[r.Campaign] += r.Count
		v.total += r.Count
		c := v.covers[r.Campaign]
		if c == nil {
			c = &coverage{providers: map[string]bool{}}
			v.covers[r.Campaign] = c
		}
		if r.Provider == "" {
			c.all = true
			continue
		}
		v.provider[r.Provider] += r.Count
		c.providers[r.Provider] = true
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

// applyRates sets the rates of campaigns, of providers and of the total. A rate's numerator
// counts only the bounces its volume covers:
//
//   - a campaign: its bounces at every provider when it has a volume not given per provider,
//     else only at the providers its volume is given for (Rates.Only, with the bounces left out
//     in Rates.LeftOut): dividing its bounces everywhere by its Gmail volume would inflate it;
//   - a provider: the bounces there of the campaigns with a volume given for that provider;
//   - the total: the bounces the campaigns' rates count, over all their volume.
//
// Only the volumes of campaigns with bounces in the period (under the provider filter) count:
// a volume whose campaign matches no bounce, a misspelling such as "Black-Friday" for bounces
// attributed to "black-friday", would otherwise lower every rate it is part of. Such volumes
// are listed in Stats.SentUnmatched, with the campaign they were probably meant for.
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
		sv.DidYouMean = config.DidYouMean(c, slices.Collect(maps.Keys(bounced)))
		s.SentUnmatched = append(s.SentUnmatched, sv)
	}
	v := volumes(ds.Sent, ds.Query, func(c string) bool { return bounced[c] })
	if v.total == 0 {
		return
	}
	n := coveredCounts(ds, v.covers)
	var total Group
	for i := range s.Campaigns {
		g := &s.Campaigns[i]
		sent := v.campaign[g.Key]
		if sent <= 0 || g.Key == "" {
			continue
		}
		c := n.campaign(g.Key)
		g.Rates = ratesOf(sent, c)
		if cov := v.covers[g.Key]; !cov.all {
			g.Rates.Only = slices.Sorted(maps.Keys(cov.providers))
			g.Rates.LeftOut = g.Bounces - c.Bounces
		}
		total.addCounts(c)
	}
	s.Total.Rates = ratesOf(v.total, &total)
	for i := range s.Providers {
		g := &s.Providers[i]
		if sent := v.provider[g.Key]; sent > 0 {
			g.Rates = ratesOf(sent, n.provider(g.Key))
		}
	}
}

// covered holds the counts of the bounces that sent volumes cover, per campaign and per
// provider (see applyRates).
type covered struct {
	campaigns, providers map[string]*Group
}

// campaign returns the counts of a campaign, zero when none of its bounces is covered.
func (n *covered) campaign(k string) *Group { return orZero(n.campaigns[k]) }

// provider returns the counts of a provider, zero when none of its bounces is covered.
func (n *covered) provider(k string) *Group { return orZero(n.providers[k]) }

// addCounts adds the counts of o to g.
func (g *Group) addCounts(o *Group) {
	g.Bounces += o.Bounces
	g.Hard += o.Hard
	g.Soft += o.Soft
	g.Block += o.Block
	g.Complaints += o.Complaints
	g.Unknown += o.Unknown
}

func orZero(g *Group) *Group {
	if g == nil {
		return &Group{}
	}
	return g
}

// coveredCounts counts the bounces of each campaign, and at each provider, that the campaigns'
// volumes cover.
func coveredCounts(ds *stats.Dataset, covers map[string]*coverage) *covered {
	n := &covered{campaigns: map[string]*Group{}, providers: map[string]*Group{}}
	add := func(m map[string]*Group, k string, r *stats.CampaignRow) {
		g := m[k]
		if g == nil {
			g = &Group{}
			m[k] = g
		}
		g.count(r.Type, r.Reason, r.Count)
	}
	for i := range ds.Campaigns {
		r := &ds.Campaigns[i]
		if !stats.Counted(r.Type) || (ds.Query.Provider != "" && r.Provider != ds.Query.Provider) {
			continue
		}
		cov := covers[r.Campaign]
		if cov.campaign(r.Provider) {
			add(n.campaigns, r.Campaign, r)
		}
		if cov.provider(r.Provider) {
			add(n.providers, r.Provider, r)
		}
	}
	return n
}
