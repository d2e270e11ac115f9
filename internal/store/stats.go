package store

import (
	"github.com/reboundhq/rebound/internal/stats"

	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// The statistics of `rebound stats` and `rebound recommend` (docs/stats.md).
//
// A period's tables are sums of per-day counts: event_counts and campaign_counts hold, per UTC
// day, the number of events of each provider, type, reason and confidence band, and of each
// campaign, sending domain, provider, type and reason. SaveBatch adds the events it stores to
// them in the same transaction, so they are always exactly the events stored (migration 0003
// counted the events stored before it). A period [From, To) is read from the counts of its whole
// days, and from the events themselves for the parts of days at its ends.
//
// Distinct recipients and the rows the recommendations need (diagnostics, recipient domains,
// soft bounces turned hard) cannot be summed over days: they are read from the events of the
// period, one by one, into a stats.Aggregator. That costs a few microseconds per event, so
// Dataset reads them only when the period has at most StatsOptions.DetailLimit counted events.

// secondsPerDay is the length of a UTC day: unix time has no leap seconds.
const secondsPerDay = 86400

// dayStart returns the unix seconds of the UTC midnight at or before u.
func dayStart(u int64) int64 {
	return u - ((u%secondsPerDay)+secondsPerDay)%secondsPerDay
}

// ceilUnix returns t in unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	u := t.Unix()
	if t.After(time.Unix(u, 0)) {
		u++
	}
	return u
}

// dayCountKey is a row of event_counts without its count.
type dayCountKey struct {
	day                   int64
	provider, typ, reason string
	band                  stats.ConfBucket
}

// dayCampaignKey is a row of campaign_counts without its count.
type dayCampaignKey struct {
	day                                  int64
	campaign, domain, provider, typ, rsn string
}

// addStats adds the events of the messages SaveBatch has just stored (Stored) to event_counts
// and campaign_counts, in SaveBatch's transaction. Events of unknown time are in no period and
// are not counted. The batch is summed first, so a batch costs one statement per distinct key.
func addStats(ctx context.Context, tx *txn, msgs []Message) error {
	counts := map[dayCountKey]int{}
	camps := map[dayCampaignKey]int{}
	for i := range msgs {
		if !msgs[i].Stored || msgs[i].DuplicateOf != "" {
			continue
		}
		for j := range msgs[i].Events {
			e := &msgs[i].Events[j]
			if e.BouncedAt.IsZero() {
				continue
			}
			day := dayStart(e.BouncedAt.Unix())
			counts[dayCountKey{day, e.Provider, string(e.Type), string(e.Reason), stats.Bucket(e.Confidence)}]++
			camps[dayCampaignKey{day, e.Campaign, e.SendingDomain, e.Provider, string(e.Type), string(e.Reason)}]++
		}
	}
	if len(counts) == 0 {
		return nil
	}
	if tx.d.bulkSave { // multi-row upserts (save_bulk.go)
		rows := make([]any, 0, 6*len(counts))
		for k, n := range counts {
			rows = append(rows, k.day, k.provider, k.typ, k.reason, int(k.band), n)
		}
		if err := execRows(ctx, tx, "bulk_upsert_event_counts", 6, rows); err != nil {
			return fmt.Errorf("event counts: %w", err)
		}
		rows = make([]any, 0, 7*len(camps))
		for k, n := range camps {
			rows = append(rows, k.day, k.campaign, k.domain, k.provider, k.typ, k.rsn, n)
		}
		if err := execRows(ctx, tx, "bulk_upsert_campaign_counts", 7, rows); err != nil {
			return fmt.Errorf("campaign counts: %w", err)
		}
		return nil
	}
	up, err := tx.PrepareContext(ctx, query("stats_upsert_event_count"))
	if err != nil {
		return err
	}
	defer up.Close()
	for k, n := range counts {
		if _, err := up.ExecContext(ctx, k.day, k.provider, k.typ, k.reason, int(k.band), n); err != nil {
			return fmt.Errorf("event counts: %w", err)
		}
	}
	upc, err := tx.PrepareContext(ctx, query("stats_upsert_campaign_count"))
	if err != nil {
		return err
	}
	defer upc.Close()
	for k, n := range camps {
		if _, err := upc.ExecContext(ctx, k.day, k.campaign, k.domain, k.provider, k.typ, k.rsn, n); err != nil {
			return fmt.Errorf("campaign counts: %w", err)
		}
	}
	return nil
}

// DefaultDetailLimit is the default StatsOptions.DetailLimit. Reading that many counted events
// one by one and judging their diagnostics (report.Recommend) takes about 0.5 s of CPU on the
// 2-core development machine (BenchmarkStats1M/30d: 71,900 bounces in detail, 0.45-0.50 s).
const DefaultDetailLimit = 75_000

// StatsOptions control Dataset.
type StatsOptions struct {
	// DetailLimit is the most counted events (bounces) a period may have for Dataset to read them
	// one by one, for the distinct recipients and the rows of the recommendations. 0 means no
	// limit; a negative value means never.
	DetailLimit int
}

// StatsInfo says what Dataset read.
type StatsInfo struct {
	Bounces  int  // counted events in the period (stats.Counted)
	Detailed bool // Distinct, Diagnostics, Domains, SoftToHard and SoftSuppressions were read
}

// Dataset reads the rows of the tables and the recommendations for a query (docs/stats.md):
// Counts and Campaigns from the per-day counts, Undecodable and Sent always, and the rows that
// need the events one by one (Distinct, Diagnostics, Domains, SoftToHard, SoftSuppressions) when
// the period has at most o.DetailLimit bounces. Everything is read in one read transaction, so
// a scan running meanwhile is either wholly in the result or not at all.
func (s *Store) Dataset(ctx context.Context, q stats.Query, o StatsOptions) (*stats.Dataset, StatsInfo, error) {
	var info StatsInfo
	ds := &stats.Dataset{Query: q}
	err := s.read(ctx, "read stats", func(tx *txn) error {
		// Bounce times are whole seconds: the period holds the seconds [ceil(From), ceil(To)).
		r := statsReader{ctx: ctx, tx: tx, q: q, from: ceilUnix(q.Period.From), to: ceilUnix(q.Period.To)}
		if err := r.counts(ds); err != nil {
			return err
		}
		for _, c := range ds.Counts {
			if stats.Counted(c.Type) {
				info.Bounces += c.Count
			}
		}
		var err error
		if ds.Undecodable, err = r.count("stats_undecodable", r.from, r.to); err != nil {
			return err
		}
		var first, last sql.NullInt64
		if err := tx.QueryRowContext(ctx, query("stats_all_time"), q.Provider, q.Provider).Scan(&ds.AllBounces, &first, &last); err != nil {
			return classify(s.path, "read counts", err)
		}
		ds.FirstDay, ds.LastDay = fromUnix(first), fromUnix(last)
		if ds.Sent, err = sentRows(ctx, tx); err != nil {
			return classify(s.path, "read sent volumes", err)
		}
		if o.DetailLimit < 0 || (o.DetailLimit > 0 && info.Bounces > o.DetailLimit) {
			return nil
		}
		if err := r.detail(ds); err != nil {
			return classify(s.path, "read events", err)
		}
		if q.Provider == "" { // states have no provider to filter on
			if ds.SoftSuppressions, err = r.count("stats_soft_suppressions", r.from, r.to); err != nil {
				return classify(s.path, "read suppressions", err)
			}
		}
		info.Detailed = true
		return nil
	})
	if err != nil {
		return nil, info, err
	}
	return ds, info, nil
}

// statsReader reads the rows of one query in one transaction. from and to are the period in
// unix seconds, [from, to).
type statsReader struct {
	ctx      context.Context
	tx       *txn
	q        stats.Query
	from, to int64
}

// counts fills Counts and Campaigns: the whole days from the per-day counts, the ends of the
// period from the events.
func (r *statsReader) counts(ds *stats.Dataset) error {
	if r.to <= r.from {
		return nil
	}
	first, last := dayStart(r.from+secondsPerDay-1), dayStart(r.to) // whole days: [first, last)
	if first >= last {
		return r.eventCounts(ds, r.from, r.to) // no whole day
	}
	if err := r.eventCounts(ds, r.from, first); err != nil {
		return err
	}
	if err := r.dayCounts(ds, first, last); err != nil {
		return err
	}
	return r.eventCounts(ds, last, r.to)
}

// dayCounts reads the whole days [first, last) from event_counts and campaign_counts.
func (r *statsReader) dayCounts(ds *stats.Dataset, first, last int64) error {
	rows, err := r.tx.QueryContext(r.ctx, query("stats_day_counts"), first, last, r.q.Provider, r.q.Provider)
	if err != nil {
		return err
	}
	if err := scanCountRows(rows, ds); err != nil {
		return err
	}
	rows, err = r.tx.QueryContext(r.ctx, query("stats_day_campaigns"), first, last, r.q.Provider, r.q.Provider)
	if err != nil {
		return err
	}
	return sumCampaignRows(rows, ds)
}

// campaignKey is a CampaignRow without its count.
type campaignKey struct {
	campaign, domain, provider, typ, reason string
}

// sumCampaignRows sums rows of (campaign, domain, provider, type, reason, count) over the days
// and appends the sums to ds.Campaigns: a campaign lasts many days, and summing in a map costs
// less than SQLite's sorter.
func sumCampaignRows(rows *sql.Rows, ds *stats.Dataset) error {
	defer rows.Close()
	sums := map[campaignKey]int{}
	var k campaignKey
	var n int
	for rows.Next() {
		if err := rows.Scan(&k.campaign, &k.domain, &k.provider, &k.typ, &k.reason, &n); err != nil {
			return err
		}
		sums[k] += n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for k, n := range sums {
		ds.Campaigns = append(ds.Campaigns, stats.CampaignRow{Campaign: k.campaign, SendingDomain: k.domain,
			Provider: k.provider, Type: bounce.Type(k.typ), Reason: bounce.Reason(k.reason), Count: n})
	}
	return nil
}

// eventCounts counts the events of [from, to) from the events table.
func (r *statsReader) eventCounts(ds *stats.Dataset, from, to int64) error {
	if to <= from {
		return nil
	}
	rows, err := r.tx.QueryContext(r.ctx, query("stats_event_counts"), from, to, r.q.Provider, r.q.Provider)
	if err != nil {
		return err
	}
	if err := scanCountRows(rows, ds); err != nil {
		return err
	}
	rows, err = r.tx.QueryContext(r.ctx, query("stats_event_campaigns"), from, to, r.q.Provider, r.q.Provider)
	if err != nil {
		return err
	}
	return scanCampaignRows(rows, ds)
}

// scanCountRows appends rows of (day, provider, type, reason, band, count) to ds.Counts. The
// days are formatted once each: a period has few.
func scanCountRows(rows *sql.Rows, ds *stats.Dataset) error {
	defer rows.Close()
	days := map[int64]string{}
	for rows.Next() {
		var day int64
		var c stats.CountRow
		var typ, reason string
		var band int
		if err := rows.Scan(&day, &c.Provider, &typ, &reason, &band, &c.Count); err != nil {
			return err
		}
		d, ok := days[day]
		if !ok {
			d = time.Unix(day, 0).UTC().Format(time.DateOnly)
			days[day] = d
		}
		c.Day, c.Type, c.Reason, c.Confidence = d, bounce.Type(typ), bounce.Reason(reason), stats.ConfBucket(band)
		ds.Counts = append(ds.Counts, c)
	}
	return rows.Err()
}

// scanCampaignRows appends rows of (campaign, domain, provider, type, reason, count) to
// ds.Campaigns.
func scanCampaignRows(rows *sql.Rows, ds *stats.Dataset) error {
	defer rows.Close()
	for rows.Next() {
		var c stats.CampaignRow
		var typ, reason string
		if err := rows.Scan(&c.Campaign, &c.SendingDomain, &c.Provider, &typ, &reason, &c.Count); err != nil {
			return err
		}
		c.Type, c.Reason = bounce.Type(typ), bounce.Reason(reason)
		ds.Campaigns = append(ds.Campaigns, c)
	}
	return rows.Err()
}

// detail reads the counted events of the period one by one into a stats.Aggregator, for the
// rows that cannot be summed over days.
func (r *statsReader) detail(ds *stats.Dataset) error {
	rows, err := r.tx.QueryContext(r.ctx, query("stats_detail_events"), r.from, r.to, r.q.Provider, r.q.Provider)
	if err != nil {
		return err
	}
	defer rows.Close()
	agg := stats.NewAggregator(r.q)
	var e bounce.Event
	var typ, reason string
	var at int64
	for rows.Next() {
		if err := rows.Scan(&at, &e.Recipient, &e.Provider, &typ, &reason, &e.Status, &e.ReplyCode,
			&e.Diagnostic, &e.Confidence, &e.Campaign, &e.SendingDomain); err != nil {
			return err
		}
		e.BouncedAt, e.Type, e.Reason = time.Unix(at, 0), bounce.Type(typ), bounce.Reason(reason)
		agg.Add(&e)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	d := agg.Dataset()
	ds.Distinct, ds.Diagnostics, ds.Domains, ds.SoftToHard = d.Distinct, d.Diagnostics, d.Domains, d.SoftToHard
	return nil
}

// count runs a query that returns one number.
func (r *statsReader) count(name string, args ...any) (int, error) {
	var n int
	err := r.tx.QueryRowContext(r.ctx, query(name), args...).Scan(&n)
	return n, err
}

// AddSent records sent volumes; a row with the campaign, provider and date of a stored one
// replaces it. All rows are stored in one transaction, or none.
func (s *Store) AddSent(ctx context.Context, rows []stats.SentRow) error {
	if len(rows) == 0 {
		return nil
	}
	for _, r := range rows {
		if r.Campaign == "" || r.Count < 0 {
			return fmt.Errorf("store: sent volume %+v: want a campaign and a count of 0 or more", r)
		}
	}
	now := time.Now().Unix()
	return s.write(ctx, "record sent volumes", func(tx *txn) error {
		st, err := tx.PrepareContext(ctx, query("stats_upsert_sent"))
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range rows {
			if _, err := st.ExecContext(ctx, r.Campaign, r.Provider, r.Date, r.Count, now); err != nil {
				return fmt.Errorf("campaign %s: %w", r.Campaign, err)
			}
		}
		return nil
	})
}

// Sent returns every stored sent volume, by campaign, provider and date.
// Campaigns lists the campaigns bounces were ever attributed to, sorted.
func (s *Store) Campaigns(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query("stats_campaigns"))
	if err != nil {
		return nil, classify(s.path, "read campaigns", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, classify(s.path, "read campaigns", err)
		}
		out = append(out, c)
	}
	return out, classify(s.path, "read campaigns", rows.Err())
}

// Sent returns the recorded sent volumes.
func (s *Store) Sent(ctx context.Context) ([]stats.SentRow, error) {
	rows, err := sentRows(ctx, s.db)
	return rows, classify(s.path, "read sent volumes", err)
}

func sentRows(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]stats.SentRow, error) {
	rows, err := q.QueryContext(ctx, query("stats_sent"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stats.SentRow
	for rows.Next() {
		var r stats.SentRow
		if err := rows.Scan(&r.Campaign, &r.Provider, &r.Date, &r.Count); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
