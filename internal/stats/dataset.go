// Package stats holds what the statistics of rebound are computed from: a Dataset of
// aggregated rows, each the output of one SQL GROUP BY over the stored events (the queries are
// in docs/stats.md), so that internal/store can fill a Dataset from its per-day counts without
// reading every event; Aggregate and Aggregator fill the same rows from events in memory. The
// period and provider a Dataset describes is its Query. internal/report turns a Dataset into
// tables and recommendations.
//
// Status codes are RFC 3463 enhanced codes, reply codes RFC 5321 section 4.2 codes.
package stats

import (
	"fmt"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// Period is the half-open interval [From, To) of bounce times, in UTC.
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Contains reports whether t is in the period.
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.From) && t.Before(p.To)
}

// Query selects the events a Dataset describes.
type Query struct {
	Period   Period
	Provider string // "" for every provider
}

// ConfBucket is a band of classification confidence.
type ConfBucket int

// Confidence bands: below 0.5, from 0.5 to below 0.8, and 0.8 or more.
const (
	ConfLow ConfBucket = iota
	ConfMedium
	ConfHigh
)

// Confidence band limits.
const (
	ConfMediumFrom = 0.5
	ConfHighFrom   = 0.8
)

// Bucket returns the band of a confidence.
func Bucket(confidence float64) ConfBucket {
	switch {
	case confidence < ConfMediumFrom:
		return ConfLow
	case confidence < ConfHighFrom:
		return ConfMedium
	}
	return ConfHigh
}

// Label names a band.
func (b ConfBucket) Label() string {
	switch b {
	case ConfLow:
		return "<0.5"
	case ConfMedium:
		return "0.5-0.8"
	}
	return ">=0.8"
}

// Dimension is a key events are grouped by.
type Dimension string

// Dimensions. DimAll has the single key "".
const (
	DimAll      Dimension = "all"
	DimProvider Dimension = "provider"
	DimReason   Dimension = "reason"
	DimType     Dimension = "type"
	DimDay      Dimension = "day"  // key: UTC date YYYY-MM-DD
	DimWeek     Dimension = "week" // key: UTC date of the Monday of the ISO week, YYYY-MM-DD
	DimCampaign Dimension = "campaign"
	DimDomain   Dimension = "domain" // sending domain
)

// Dimensions lists every dimension a DistinctRow may carry.
var Dimensions = []Dimension{DimAll, DimProvider, DimReason, DimType, DimDay, DimWeek, DimCampaign, DimDomain}

// CountRow counts the events sharing a provider, type, reason, day and confidence band:
//
//	SELECT provider, type, reason, date(bounced_at), <confidence band>, COUNT(*)
//	... GROUP BY 1, 2, 3, 4, 5
//
// Rows of every type are welcome: auto-replies and delivery notices are reported apart.
type CountRow struct {
	Provider   string
	Type       bounce.Type
	Reason     bounce.Reason
	Day        string // UTC date, YYYY-MM-DD
	Confidence ConfBucket
	Count      int
}

// CampaignRow counts the events sharing a campaign, sending domain, provider, type and reason:
//
//	SELECT campaign, sending_domain, provider, type, reason, COUNT(*) ... GROUP BY 1, 2, 3, 4, 5
type CampaignRow struct {
	Campaign      string // "" when unknown
	SendingDomain string // "" when unknown
	Provider      string
	Type          bounce.Type
	Reason        bounce.Reason
	Count         int
}

// DistinctRow is the number of distinct recipients of the counted events (see Counted) having
// one key of one dimension:
//
//	SELECT 'provider', provider, COUNT(DISTINCT recipient) ... GROUP BY provider
//
// A table shows a recipients column only when the Dataset has rows for its dimension.
type DistinctRow struct {
	Dim        Dimension
	Key        string
	Recipients int
}

// DiagnosticRow counts the events sharing a provider, type, reason, codes and diagnostic text.
// Recommend reads them for signals (blocklists, authentication, rate limits, PTR, TLS) and for
// examples. Rows of types that carry no signal (hard) may be collapsed to one row per (provider,
// type, reason, status, reply code) with any one of their diagnostics as example, and
// complaints, auto-replies and delivery notices may be left out.
type DiagnosticRow struct {
	Provider   string
	Type       bounce.Type
	Reason     bounce.Reason
	Status     string
	ReplyCode  string
	Diagnostic string
	Count      int
}

// DomainRow counts the counted events per recipient domain (the part after '@', lower-case),
// for the detection of typo domains.
type DomainRow struct {
	Domain     string
	Events     int
	Recipients int
}

// SoftHardRow is the number of recipients, per provider of their hard bounce, that had a soft
// bounce and later, in the period, a hard bounce.
type SoftHardRow struct {
	Provider   string
	Recipients int
}

// SentRow is a sent volume, from `rebound sent import` (see ParseSent).
type SentRow struct {
	Campaign string `json:"campaign"`
	Provider string `json:"provider,omitempty"` // "" when the volume is for every provider
	Date     string `json:"date,omitempty"`     // YYYY-MM-DD, "" when undated
	Count    int    `json:"count"`
}

// Dataset is everything the tables and the recommendations are computed from. Build needs
// Counts, Campaigns, Distinct, Undecodable and Sent; Recommend also reads Diagnostics, Domains,
// SoftToHard and SoftSuppressions.
type Dataset struct {
	Query            Query
	Counts           []CountRow
	Campaigns        []CampaignRow
	Distinct         []DistinctRow
	Diagnostics      []DiagnosticRow
	Domains          []DomainRow
	SoftToHard       []SoftHardRow
	SoftSuppressions int // addresses the soft-bounce threshold suppressed in the period
	Undecodable      int // messages in the period that could not be decoded
	Sent             []SentRow

	// AllBounces counts the bounces of all time (under the provider filter, Counted types), and
	// FirstDay and LastDay are the first and last UTC days with one: stats says how many lie
	// outside the period. Zero when unknown (Aggregate leaves them).
	AllBounces        int
	FirstDay, LastDay time.Time
}

// Counted reports whether events of type t are counted as bounces in the tables. Auto-replies
// and delivery notices are not; complaints and unknown failures are.
func Counted(t bounce.Type) bool {
	return t != bounce.TypeAutoReply && t != bounce.TypeDelivered
}

// SignalType reports whether diagnostics of events of type t are searched for signals.
func SignalType(t bounce.Type) bool {
	return t == bounce.TypeSoft || t == bounce.TypeBlock || t == bounce.TypeUnknown
}

// DayKey is the UTC date of t.
func DayKey(t time.Time) string {
	return t.UTC().Format(time.DateOnly)
}

// WeekKey returns the Monday of the ISO week of a YYYY-MM-DD date.
func WeekKey(day string) (string, bool) {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return "", false
	}
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	return t.AddDate(0, 0, -back).Format(time.DateOnly), true
}

// WeekLabel returns the ISO week name ("2026-W02") of a YYYY-MM-DD date.
func WeekLabel(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	y, w := t.ISOWeek()
	return isoWeek(y, w)
}

func isoWeek(year, week int) string {
	return fmt.Sprintf("%04d-W%02d", year, week)
}
