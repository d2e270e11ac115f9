package report

import "time"

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

// sentVolumes sums the sent rows that apply to a query.
type sentVolumes struct {
	campaign      map[string]int
	provider      map[string]int
	splitCampaign map[string]bool // campaigns whose volume is given per provider
	total         int
}

// volumes keeps the rows dated within the period (undated rows always apply) and, under a
// provider filter, only the rows of that provider.
func volumes(rows []SentRow, q Query) *sentVolumes {
	v := &sentVolumes{campaign: map[string]int{}, provider: map[string]int{}, splitCampaign: map[string]bool{}}
	for _, r := range rows {
		if r.Count <= 0 || !sentApplies(r, q) {
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

func sentApplies(r SentRow, q Query) bool {
	if q.Provider != "" && r.Provider != q.Provider {
		return false
	}
	if r.Date == "" || q.Period.From.IsZero() {
		return true
	}
	first := dayKey(q.Period.From)
	last := dayKey(q.Period.To.Add(-time.Nanosecond))
	return r.Date >= first && r.Date <= last
}

// applyRates sets the rates of campaigns, of providers (from the campaigns whose volume is given
// per provider) and of the total (from the campaigns whose volume is known).
func applyRates(s *Stats, ds *Dataset) {
	v := volumes(ds.Sent, ds.Query)
	if v.total == 0 {
		return
	}
	s.SentKnown = true
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
	if s.Campaigns != nil || s.Total.Bounces == 0 {
		// Without any campaign on the bounces, a total rate would read as zero bounces.
		s.Total.Rates = newRates(v.total, total.Hard, total.Failures(), total.Complaints)
	}
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
func providerCounts(ds *Dataset, split map[string]bool) map[string]*Group {
	out := map[string]*Group{}
	if len(split) == 0 {
		return out
	}
	for i := range ds.Campaigns {
		r := &ds.Campaigns[i]
		if !split[r.Campaign] || !Counted(r.Type) || (ds.Query.Provider != "" && r.Provider != ds.Query.Provider) {
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
