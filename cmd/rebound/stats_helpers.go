package main

import (
	"github.com/reboundhq/rebound/internal/config"
	"github.com/reboundhq/rebound/internal/stats"

	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// periodFlags are the flags that choose the bounces of stats and recommend: a period and a
// provider (docs/stats.md).
type periodFlags struct {
	since, from, to string
	provider        string
}

func (p *periodFlags) register(f *pflag.FlagSet) {
	f.StringVar(&p.since, "since", "", "the period ending now: a `duration` such as 24h, 7d or 4w (default 30d)")
	f.StringVar(&p.from, "from", "", "start of the period: a `date` (YYYY-MM-DD, UTC) or an RFC 3339 time")
	f.StringVar(&p.to, "to", "", "end of the period: a `date` (the whole day is included) or an RFC 3339 time (default now)")
	f.StringVar(&p.provider, "provider", "", "only the bounces at this `provider` (a provider id: gmail, microsoft, ..., other)")
}

// query checks the flags and returns the query they describe. "Now" is $REBOUND_NOW when set.
func (p *periodFlags) query(g *globalOptions) (stats.Query, error) {
	now, err := g.now()
	if err != nil {
		return stats.Query{}, err
	}
	period, err := stats.ParsePeriod(now, p.since, p.from, p.to)
	if err != nil {
		return stats.Query{}, withHint(exitUsage, err, "--since 7d, or --from 2026-03-01 --to 2026-03-31")
	}
	q := stats.Query{Period: period}
	if p.provider != "" {
		if q.Provider, err = g.checkProvider(p.provider, "--provider"); err != nil {
			return stats.Query{}, err
		}
	}
	return q, nil
}

// checkProvider returns a provider id in its stored form (lower case), or a usage error naming
// what was given.
func (g *globalOptions) checkProvider(p, what string) (string, error) {
	known, err := g.providerIDs()
	if err != nil {
		return "", err
	}
	id := strings.ToLower(strings.TrimSpace(p))
	if !slices.Contains(known, id) {
		return "", unknownProvider(what, p, known)
	}
	return id, nil
}

// unknownProvider is the usage error for a provider id that is not one of known: it suggests
// the nearest id, if one is close.
func unknownProvider(what, given string, known []string) error {
	msg := fmt.Sprintf("unknown %s %q", what, given)
	if m := config.DidYouMean(given, known); m != "" {
		msg += "; did you mean " + m + "?"
	}
	return withHint(exitUsage, errors.New(msg), providerHint(known))
}

// maxListedProviders is the most provider ids a hint lists: the built-in table has about 70.
const maxListedProviders = 12

// providerHint says what the provider ids are: listed when they are few, else where they come
// from.
func providerHint(known []string) string {
	if len(known) <= maxListedProviders {
		return "provider ids are " + strings.Join(known, ", ") +
			" (the [provider ID] sections of rules/default.providers and of --rules)"
	}
	return fmt.Sprintf("provider ids are the [provider ID] sections of rules/default.providers and of --rules, and other: %d in all, such as %s",
		len(known), strings.Join(commonProviders(known), ", "))
}

// commonProviders picks, from known, a few of the providers most mail goes to, as examples.
func commonProviders(known []string) []string {
	var out []string
	for _, id := range []string{"gmail", "microsoft", "yahoo", "apple"} {
		if slices.Contains(known, id) {
			out = append(out, id)
		}
	}
	return out
}

// readDataset opens the database and reads the rows of q, reading the events one by one when
// the period has at most limit bounces (0: always).
func (g *globalOptions) readDataset(ctx context.Context, q stats.Query, limit int) (*stats.Dataset, store.StatsInfo, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := g.openReader(ctx)
	if err != nil {
		return nil, store.StatsInfo{}, err
	}
	defer st.Close()
	return st.Dataset(ctx, q, store.StatsOptions{DetailLimit: limit})
}

// openReader opens the database for a command that only reads it: read-only, so that it creates
// no file beside the database and works for a user who may only read it (docs/operations.md,
// "Sharing a database"). When its schema needs upgrading, the database's owner (or root) opens it
// for writing, which upgrades it; anyone else is told to ask the owner. A missing database is an
// error: there is nothing to report.
func (g *globalOptions) openReader(ctx context.Context) (*store.Store, error) {
	st, err := g.open(store.ReadOnly())
	if err == nil || !errors.Is(err, store.ErrOldSchema) {
		return st, err
	}
	if !g.mayWriteDB() {
		return nil, withHint(exitDatabase, err, "the database's owner upgrades it with the next command that writes it, such as 'rebound scan'")
	}
	return g.openStore(ctx)
}

// defaultWidth is the width of output for people when standard output is not a terminal: a
// file, a pipe, the mail cron sends.
const defaultWidth = 80

// termWidth is the width tables and findings must fit (report.Options.Width): $COLUMNS when
// set, else the terminal's when standard output is one, else defaultWidth; 0 (no limit) with
// wide (--wide).
func (g *globalOptions) termWidth(wide bool) int {
	if wide {
		return 0
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := g.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return defaultWidth
}

// color reports whether output may be coloured: standard output is a terminal and NO_COLOR
// (https://no-color.org) is not set.
func (g *globalOptions) color() bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	return isTerminal(g.stdout)
}

// sanitizeDataset makes the text of a dataset safe to show (see printable): campaigns, sending
// domains, recipient domains and diagnostics come from the bounced messages, written by
// strangers. Rows that become equal are added up by report.Build.
func sanitizeDataset(ds *stats.Dataset) {
	for i := range ds.Counts {
		c := &ds.Counts[i]
		c.Provider, c.Type, c.Reason = printable(c.Provider), bounce.Type(printable(string(c.Type))), bounce.Reason(printable(string(c.Reason)))
	}
	for i := range ds.Campaigns {
		c := &ds.Campaigns[i]
		c.Campaign, c.SendingDomain, c.Provider = printable(c.Campaign), printable(c.SendingDomain), printable(c.Provider)
		c.Type, c.Reason = bounce.Type(printable(string(c.Type))), bounce.Reason(printable(string(c.Reason)))
	}
	for i := range ds.Distinct {
		ds.Distinct[i].Key = printable(ds.Distinct[i].Key)
	}
	for i := range ds.Diagnostics {
		d := &ds.Diagnostics[i]
		d.Provider, d.Status, d.ReplyCode, d.Diagnostic = printable(d.Provider), printable(d.Status), printable(d.ReplyCode), printable(d.Diagnostic)
	}
	for i := range ds.Domains {
		ds.Domains[i].Domain = printable(ds.Domains[i].Domain)
	}
	for i := range ds.Sent {
		ds.Sent[i].Campaign = printable(ds.Sent[i].Campaign)
	}
}

// thousands writes n with commas between groups of three digits, as the tables do.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
