package stats

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// Aggregate computes, in memory, the Dataset rows that the store's GROUP BY queries produce.
func Aggregate(events []bounce.Event, q Query) *Dataset {
	a := NewAggregator(q)
	a.recipients.ids = make(map[string]int32, len(events)/4) // fewer rehashes as recipients come
	for i := range events {
		a.Add(&events[i])
	}
	ds := a.Dataset()
	// All the bounces given, in the period or not, as the store counts them from its per-day
	// counts: dated, Counted, at the provider of the query.
	for i := range events {
		e := &events[i]
		if e.BouncedAt.IsZero() || !Counted(e.Type) || (q.Provider != "" && e.Provider != q.Provider) {
			continue
		}
		ds.AllBounces++
		day := e.BouncedAt.UTC().Truncate(24 * time.Hour)
		if ds.FirstDay.IsZero() || day.Before(ds.FirstDay) {
			ds.FirstDay = day
		}
		if day.After(ds.LastDay) {
			ds.LastDay = day
		}
	}
	return ds
}

// Aggregator accumulates events one at a time (for callers that stream them) and produces a
// Dataset. Its memory is a few dozen bytes per event plus the distinct strings.
type Aggregator struct {
	q          Query
	providers  interner
	reasons    interner
	types      interner
	days       interner
	campaigns  interner
	domains    interner
	recipients interner
	weeks      interner
	lastDay    int64
	lastDayID  int32
	dayIDs     map[int64]int32 // unix day -> days id
	weekOf     []int32         // days id -> weeks id
	counts     map[countKey]int
	camps      map[campKey]int
	diags      map[diagKey]int           // events per diagnostic row of a signal type
	collapsed  map[diagKey]*collapsedAcc // hard rows, without their diagnostic in the key
	rcptEvents []int32                   // recipients id -> counted events
	seen       []seen
}

type countKey struct {
	provider, typ, reason, day int32
	conf                       ConfBucket
}

type campKey struct {
	campaign, domain, provider, typ, reason int32
}

type diagKey struct {
	provider, typ, reason int32
	status, reply, diag   string
}

type collapsedAcc struct {
	count   int
	example string // the first diagnostic
}

// seen is what the distinct counts and the soft-then-hard cohort need of one counted event.
type seen struct {
	rcpt int32
	keys [nKeyed]int32
	soft bool
	hard bool
	unix int64
}

// The dimensions an event carries a key for, in seen.keys.
const (
	kProvider = iota
	kReason
	kType
	kDay
	kWeek
	kCampaign
	kDomain
	nKeyed
)

var keyedDims = [nKeyed]Dimension{DimProvider, DimReason, DimType, DimDay, DimWeek, DimCampaign, DimDomain}

// NewAggregator returns an empty Aggregator for the events q selects.
func NewAggregator(q Query) *Aggregator {
	return &Aggregator{
		q:         q,
		lastDay:   math.MinInt64,
		dayIDs:    map[int64]int32{},
		counts:    map[countKey]int{},
		camps:     map[campKey]int{},
		diags:     map[diagKey]int{},
		collapsed: map[diagKey]*collapsedAcc{},
	}
}

// Add counts one event; events outside the query are ignored. It reads the event's BouncedAt,
// Recipient (as stored), Provider, Type, Reason, Status, ReplyCode, Diagnostic, Confidence,
// Campaign and SendingDomain.
func (a *Aggregator) Add(e *bounce.Event) {
	if !a.q.Period.Contains(e.BouncedAt) || (a.q.Provider != "" && e.Provider != a.q.Provider) {
		return
	}
	day := a.day(e.BouncedAt)
	provider, typ, reason := a.providers.id(e.Provider), a.types.id(string(e.Type)), a.reasons.id(string(e.Reason))
	a.counts[countKey{provider, typ, reason, day, Bucket(e.Confidence)}]++
	campaign, domain := a.campaigns.id(e.Campaign), a.domains.id(e.SendingDomain)
	a.camps[campKey{campaign, domain, provider, typ, reason}]++
	if !Counted(e.Type) {
		return
	}
	a.addDiagnostic(e, provider, typ, reason)
	rcpt := a.recipients.id(e.Recipient)
	if int(rcpt) == len(a.rcptEvents) {
		a.rcptEvents = append(a.rcptEvents, 0)
	}
	a.rcptEvents[rcpt]++
	a.seen = append(a.seen, seen{
		rcpt: rcpt,
		keys: [nKeyed]int32{provider, reason, typ, day, a.weekOf[day], campaign, domain},
		soft: e.Type == bounce.TypeSoft,
		hard: e.Type == bounce.TypeHard,
		unix: e.BouncedAt.Unix(),
	})
}

func (a *Aggregator) addDiagnostic(e *bounce.Event, provider, typ, reason int32) {
	if !SignalType(e.Type) && e.Type != bounce.TypeHard {
		return
	}
	dk := diagKey{provider: provider, typ: typ, reason: reason, status: e.Status, reply: e.ReplyCode}
	if SignalType(e.Type) {
		dk.diag = e.Diagnostic
		a.diags[dk]++
		return
	}
	acc := a.collapsed[dk]
	if acc == nil {
		acc = &collapsedAcc{example: e.Diagnostic}
		a.collapsed[dk] = acc
	}
	acc.count++
}

// day returns the id of the UTC day of t, creating it and its week on first use.
func (a *Aggregator) day(t time.Time) int32 {
	u := t.Unix()
	n := u / 86400
	if u < 0 && u%86400 != 0 {
		n--
	}
	if n == a.lastDay {
		return a.lastDayID
	}
	id, ok := a.dayIDs[n]
	if !ok {
		d := DayKey(t)
		id = a.days.id(d)
		a.dayIDs[n] = id
		w, _ := WeekKey(d)
		a.weekOf = append(a.weekOf, a.weeks.id(w))
	}
	a.lastDay, a.lastDayID = n, id
	return id
}

// Dataset returns the rows. Undecodable, SoftSuppressions and Sent are left for the caller.
func (a *Aggregator) Dataset() *Dataset {
	ds := &Dataset{Query: a.q}
	for k, n := range a.counts {
		ds.Counts = append(ds.Counts, CountRow{
			Provider: a.providers.names[k.provider], Type: bounce.Type(a.types.names[k.typ]),
			Reason: bounce.Reason(a.reasons.names[k.reason]), Day: a.days.names[k.day],
			Confidence: k.conf, Count: n,
		})
	}
	for k, n := range a.camps {
		ds.Campaigns = append(ds.Campaigns, CampaignRow{
			Campaign: a.campaigns.names[k.campaign], SendingDomain: a.domains.names[k.domain],
			Provider: a.providers.names[k.provider], Type: bounce.Type(a.types.names[k.typ]),
			Reason: bounce.Reason(a.reasons.names[k.reason]), Count: n,
		})
	}
	ds.Diagnostics = a.diagnosticRows()
	ds.Domains = a.domainRows()
	ds.Distinct, ds.SoftToHard = a.perRecipient()
	sortDataset(ds)
	return ds
}

// diagnosticRows returns the diagnostic rows in order of provider, type, reason, status, reply
// code and diagnostic. The rows fall in a few hundred groups of the first five (the diagKeys
// without a diagnostic), so the groups are ranked once and the rows sorted by group rank and
// diagnostic, which is much cheaper than comparing and moving whole rows.
func (a *Aggregator) diagnosticRows() []DiagnosticRow {
	type entry struct {
		group   int32 // index in groups, then rank
		example string
		count   int
	}
	groupIDs := map[diagKey]int32{}
	var groups []diagKey
	entries := make([]entry, 0, len(a.diags)+len(a.collapsed))
	add := func(k diagKey, example string, n int) {
		k.diag = ""
		id, ok := groupIDs[k]
		if !ok {
			id = int32(len(groups))
			groupIDs[k] = id
			groups = append(groups, k)
		}
		entries = append(entries, entry{id, example, n})
	}
	for k, n := range a.diags {
		add(k, k.diag, n)
	}
	for k, acc := range a.collapsed {
		add(k, acc.example, acc.count)
	}
	order := make([]int32, len(groups)) // group ids by rank
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		x, y := &groups[i], &groups[j]
		return CompareStrings(
			[]string{a.providers.names[x.provider], a.types.names[x.typ], a.reasons.names[x.reason], x.status, x.reply},
			[]string{a.providers.names[y.provider], a.types.names[y.typ], a.reasons.names[y.reason], y.status, y.reply}, 0)
	})
	rank := make([]int32, len(groups))
	for r, id := range order {
		rank[id] = int32(r)
	}
	for i := range entries {
		entries[i].group = rank[entries[i].group]
	}
	slices.SortFunc(entries, func(x, y entry) int {
		if x.group != y.group {
			return int(x.group - y.group)
		}
		return strings.Compare(x.example, y.example)
	})
	rows := make([]DiagnosticRow, len(entries))
	for i, e := range entries {
		k := &groups[order[e.group]]
		rows[i] = DiagnosticRow{
			Provider: a.providers.names[k.provider], Type: bounce.Type(a.types.names[k.typ]),
			Reason: bounce.Reason(a.reasons.names[k.reason]), Status: k.status, ReplyCode: k.reply,
			Diagnostic: e.example, Count: e.count,
		}
	}
	return rows
}

// domainRows counts events and recipients per recipient domain, from the distinct recipients.
func (a *Aggregator) domainRows() []DomainRow {
	index := map[string]int{}
	var rows []DomainRow
	for id, r := range a.recipients.names {
		d := RecipientDomain(r)
		i, ok := index[d]
		if !ok {
			i = len(rows)
			index[d] = i
			rows = append(rows, DomainRow{Domain: d})
		}
		rows[i].Events += int(a.rcptEvents[id])
		rows[i].Recipients++
	}
	return rows
}

// perRecipient groups the counted events by recipient: each recipient adds one to every key it
// has events under, and joins the soft-then-hard cohort when a hard bounce followed a soft one.
func (a *Aggregator) perRecipient() ([]DistinctRow, []SoftHardRow) {
	names := a.keyNames()
	var counts [nKeyed][]int
	for d := range counts {
		counts[d] = make([]int, len(names[d].names))
	}
	cohort := map[int32]int{}
	var scratch []int32
	grouped := a.groupByRecipient()
	for i := 0; i < len(grouped); {
		j := i + int(a.rcptEvents[grouped[i].rcpt])
		group := grouped[i:j]
		for d := range nKeyed {
			scratch = distinctKeys(scratch[:0], group, d)
			for _, key := range scratch {
				counts[d][key]++
			}
		}
		if p, ok := softThenHard(group); ok {
			cohort[p]++
		}
		i = j
	}
	return a.distinctRows(names, counts, len(a.rcptEvents)), a.cohortRows(cohort)
}

// groupByRecipient returns the events ordered by recipient id (a counting sort: the ids are
// dense and rcptEvents holds the size of each group).
func (a *Aggregator) groupByRecipient() []seen {
	next := make([]int, len(a.rcptEvents))
	pos := 0
	for id, n := range a.rcptEvents {
		next[id] = pos
		pos += int(n)
	}
	grouped := make([]seen, len(a.seen))
	for _, s := range a.seen {
		grouped[next[s.rcpt]] = s
		next[s.rcpt]++
	}
	return grouped
}

func (a *Aggregator) keyNames() [nKeyed]*interner {
	return [nKeyed]*interner{&a.providers, &a.reasons, &a.types, &a.days, &a.weeks, &a.campaigns, &a.domains}
}

// distinctKeys appends to keys those of dimension d in a (small) group, each once.
func distinctKeys(keys []int32, group []seen, d int) []int32 {
	for _, s := range group {
		if !slices.Contains(keys, s.keys[d]) {
			keys = append(keys, s.keys[d])
		}
	}
	return keys
}

// softThenHard reports whether a recipient's events have a hard bounce after its first soft
// one, and the provider of the last such hard bounce.
func softThenHard(group []seen) (int32, bool) {
	firstSoft := int64(math.MaxInt64)
	for _, s := range group {
		if s.soft {
			firstSoft = min(firstSoft, s.unix)
		}
	}
	var provider int32
	lastHard := int64(math.MinInt64)
	for _, s := range group {
		if s.hard && s.unix > firstSoft && s.unix >= lastHard {
			provider, lastHard = s.keys[kProvider], s.unix
		}
	}
	return provider, lastHard != math.MinInt64
}

func (a *Aggregator) distinctRows(names [nKeyed]*interner, counts [nKeyed][]int, all int) []DistinctRow {
	rows := []DistinctRow{}
	if all > 0 {
		rows = append(rows, DistinctRow{Dim: DimAll, Recipients: all})
	}
	for d := range nKeyed {
		for key, n := range counts[d] {
			if n > 0 {
				rows = append(rows, DistinctRow{Dim: keyedDims[d], Key: names[d].names[key], Recipients: n})
			}
		}
	}
	return rows
}

func (a *Aggregator) cohortRows(cohort map[int32]int) []SoftHardRow {
	var rows []SoftHardRow
	for p, n := range cohort {
		rows = append(rows, SoftHardRow{Provider: a.providers.names[p], Recipients: n})
	}
	return rows
}

// RecipientDomain returns the lower-case domain of an address, or "".
func RecipientDomain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimRight(addr[i+1:], ".>"))
}

// interner gives small integer ids to strings. It remembers the last string, which
// consecutive events often share.
type interner struct {
	ids    map[string]int32
	names  []string
	last   string
	lastID int32
}

func (in *interner) id(s string) int32 {
	if s == in.last && in.names != nil {
		return in.lastID
	}
	id, ok := in.ids[s]
	if !ok {
		if in.ids == nil {
			in.ids = map[string]int32{}
		}
		id = int32(len(in.names))
		in.ids[s] = id
		in.names = append(in.names, s)
	}
	in.last, in.lastID = s, id
	return id
}

// sortDataset puts rows in a fixed order, so that output does not depend on map order
// (diagnosticRows sorts the Diagnostics).
func sortDataset(ds *Dataset) {
	slices.SortFunc(ds.Counts, func(x, y CountRow) int {
		return CompareStrings(
			[]string{x.Day, x.Provider, string(x.Type), string(x.Reason)},
			[]string{y.Day, y.Provider, string(y.Type), string(y.Reason)},
			int(x.Confidence-y.Confidence))
	})
	slices.SortFunc(ds.Campaigns, func(x, y CampaignRow) int {
		return CompareStrings(
			[]string{x.Campaign, x.SendingDomain, x.Provider, string(x.Type), string(x.Reason)},
			[]string{y.Campaign, y.SendingDomain, y.Provider, string(y.Type), string(y.Reason)}, 0)
	})
	slices.SortFunc(ds.Distinct, func(x, y DistinctRow) int {
		return CompareStrings([]string{string(x.Dim), x.Key}, []string{string(y.Dim), y.Key}, 0)
	})
	slices.SortFunc(ds.Domains, func(x, y DomainRow) int { return strings.Compare(x.Domain, y.Domain) })
	slices.SortFunc(ds.SoftToHard, func(x, y SoftHardRow) int { return strings.Compare(x.Provider, y.Provider) })
}

// CompareStrings compares two tuples of strings, then falls back to tie.
func CompareStrings(x, y []string, tie int) int {
	for i := range x {
		if c := strings.Compare(x[i], y[i]); c != 0 {
			return c
		}
	}
	return tie
}
