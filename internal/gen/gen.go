// Package gen makes large bounce mailboxes for benchmarks and load tests from a few composed
// sample messages (the project's testdata/demo/maildir). Each generated message is a sample
// with its recipients, their provider domains, its dates and its campaign rewritten, so that
// a mailbox of any size has many distinct recipients, providers, days and campaigns while every
// message keeps the exact format of a real bounce.
//
// Recipients come in two modes. By default (distinct) nearly every message has a new recipient:
// each sample recipient becomes one of Options.Recipients local parts at random, on a random
// date of Options.Span. A real bounce mailbox is the opposite: the same recipients bounce again
// and again, which is what makes the policy's windows and thresholds work. Options.Repeat
// models that (repeat.go). Each sample is classified, and recipients of six habits start at
// random (a Poisson process) at rates proportional to Options.PerDay (DefaultPerDay, 556
// bounces a day: 50,000 messages cover 90 days, 610,000 three years). Shares of the messages:
//
//   - hard bounces, 25%: one bounce, or (30%) a second one 1-4 days later; then the sender
//     stops sending;
//   - blocks, 15%: one bounce, or (20%) two or three 1-7 days apart;
//   - complaints and unclassified messages, 3%: one;
//   - auto-replies, 7%: 1-10, about a day apart;
//   - daily soft bouncers (a full mailbox), 40%: one bounce a day at about the same hour,
//     missing one day in seven, for a Pareto-distributed time, P(longer than d) = (12h/d)^0.9,
//     at most 300 days: half bounce once, 2.5% for more than a month, 1% for more than three;
//   - heavy recipients, 10%: soft bounces at 15-50 a day for 60-360 days (both log-uniform),
//     one after the other in two slots (per DefaultPerDay), so that some are always bouncing.
//
// So the number of bounces per address is long-tailed. At 50,000 messages (seed 1): 22,009
// addresses, 69% of them bouncing once (30% of the messages), 148 daily for 30 days or more,
// the two heavy ones 2,374 and 1,602 times; at 600,000 messages the shares are the same (the
// process is stationary) and 12 addresses bounce over 1,000 times. Message 0 is the latest
// bounce, at the latest sample date, and message i the (i+1)-th latest, so a mailbox of n
// messages covers the last n/PerDay days; mboxes are written oldest first.
//
// Copies (copies.go) makes a mailbox of real messages instead: whole messages copied as they
// are, each copy with one header line of its own (X-Rebound-Copy: i).
//
// Kinds and Providers (diagnostics.go) are classified bounces of common shapes for the
// benchmarks that start after decoding, the store's and the report's, so that both judge the
// same diagnostics.
//
// Generation is deterministic: message i of a generator depends only on the samples, the
// options (seed included) and i. Maildirs are written as a maildir's new/ folder of files;
// mboxes use the mboxrd quoting of RFC 4155 (a line matching ^>*From  gets one more '>').
package gen

import (
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/dsn"
)

// Options tune what a generator makes.
type Options struct {
	Seed uint64 // 0 is a valid seed
	// Span is the period the bounces are spread over, ending at the latest sample date
	// (default 90 days).
	Span time.Duration
	// Recipients is the number of distinct local parts per sample recipient (default 20000):
	// fewer means more recipients bounce several times.
	Recipients int
	// Campaigns is the number of distinct campaigns (default 40).
	Campaigns int
	// Repeat makes recipients bounce again and again, as in a real bounce mailbox (see the
	// package comment), instead of giving nearly every message a new recipient. Span and
	// Recipients do not apply then.
	Repeat bool
	// PerDay is the number of bounces a day with Repeat (default DefaultPerDay): a mailbox of n
	// messages covers n/PerDay days.
	PerDay int
}

// Generator makes messages from samples.
type Generator struct {
	opt     Options
	samples []*sample
	latest  time.Time
	plan    *planner // with Options.Repeat
}

// sample is one sample message cut into literal text and the places to rewrite.
type sample struct {
	name  string
	data  []byte
	slots []slot // sorted by offset, not overlapping
	date  time.Time
}

type slotKind int

const (
	slotRecipient slotKind = iota // an address of a bounced recipient: arg is its index
	slotDate                      // an RFC 5322 date: layout says how to write it
	slotCampaign                  // a campaign id
)

type slot struct {
	off, end int
	kind     slotKind
	arg      int       // recipient index
	local    string    // recipient local part
	domain   string    // recipient domain, lower-case
	t        time.Time // the date as written
	layout   string
}

// Load reads the sample messages under paths: maildirs (their new/ and cur/), folders of
// message files (any depth) or single files. Files whose names end in .json are skipped, as are
// files that are not messages.
func Load(opt Options, paths ...string) (*Generator, error) {
	if opt.Span <= 0 {
		opt.Span = 90 * 24 * time.Hour
	}
	if opt.Recipients <= 0 {
		opt.Recipients = 20000
	}
	if opt.Campaigns <= 0 {
		opt.Campaigns = 40
	}
	g := &Generator{opt: opt}
	err := readFiles(paths, func(p string, data []byte, _ time.Time) {
		s, err := newSample(p, data)
		if err != nil {
			return // not a message: not a sample
		}
		g.samples = append(g.samples, s)
		if s.date.After(g.latest) {
			g.latest = s.date
		}
	})
	if err != nil {
		return nil, fmt.Errorf("load samples: %w", err)
	}
	if len(g.samples) == 0 {
		return nil, fmt.Errorf("load samples from %s: no message found", strings.Join(paths, ", "))
	}
	if g.latest.IsZero() {
		g.latest = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	}
	if opt.Repeat {
		if g.plan = newPlanner(g); g.plan == nil {
			return nil, fmt.Errorf("load samples from %s: no sample has a recipient the classifier reads", strings.Join(paths, ", "))
		}
	}
	return g, nil
}

// readFiles calls fn with every file under paths in name order (maildirs, folders of any depth,
// single files), with its contents and modification time; not .json files, dotfiles, nor the
// files of a maildir's tmp/ (messages being written).
func readFiles(paths []string, fn func(path string, data []byte, modTime time.Time)) error {
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "tmp" && p != root {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || strings.HasSuffix(p, ".json") || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			fn(p, data, info.ModTime())
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Samples returns the number of sample messages.
func (g *Generator) Samples() int { return len(g.samples) }

// dateRE finds RFC 5322 section 3.3 dates: optional day of week, day, month, year, time, zone.
var dateRE = regexp.MustCompile(`(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), +)?\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}`)

// campaignRE finds campaign ids where the samples carry them: VERP return paths
// (bounces+ID@) and X-Campaign-ID headers.
var campaignRE = regexp.MustCompile(`(?:bounces\+|(?i:X-Campaign-ID):[ \t]*)([A-Za-z0-9][A-Za-z0-9_-]*)`)

// newSample finds what to rewrite in one message: its bounced recipients (as the decoder sees
// them), its dates and its campaign ids, wherever they occur in the text.
func newSample(name string, data []byte) (*sample, error) {
	rep, err := dsn.Decode(data)
	if err != nil {
		return nil, err
	}
	s := &sample{name: name, data: data}
	var addrs []string
	for _, rc := range rep.Recipients {
		for _, a := range []string{rc.Recipient, rc.OriginalRecipient} {
			a = strings.TrimSpace(a)
			if strings.Count(a, "@") == 1 && !slices.ContainsFunc(addrs, func(b string) bool { return strings.EqualFold(a, b) }) {
				addrs = append(addrs, a)
			}
		}
	}
	var slots []slot
	for i, a := range addrs {
		local, domain, _ := strings.Cut(a, "@")
		re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(a))
		for _, loc := range re.FindAllIndex(data, -1) {
			slots = append(slots, slot{off: loc[0], end: loc[1], kind: slotRecipient, arg: i,
				local: local, domain: strings.ToLower(domain)})
		}
	}
	var campaigns []string
	for _, m := range campaignRE.FindAllSubmatch(data, -1) {
		if c := string(m[1]); !slices.Contains(campaigns, c) {
			campaigns = append(campaigns, c)
		}
	}
	for _, c := range campaigns {
		re := regexp.MustCompile(`\b` + regexp.QuoteMeta(c) + `\b`)
		for _, loc := range re.FindAllIndex(data, -1) {
			slots = append(slots, slot{off: loc[0], end: loc[1], kind: slotCampaign})
		}
	}
	for _, loc := range dateRE.FindAllIndex(data, -1) {
		text := string(data[loc[0]:loc[1]])
		layout := "2 Jan 2006 15:04:05 -0700"
		if strings.Contains(text, ",") {
			text = strings.Join(strings.Fields(text), " ")
			layout = "Mon, 02 Jan 2006 15:04:05 -0700"
		}
		t, err := time.Parse(layout, text)
		if err != nil {
			if t, err = time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", text); err != nil {
				continue
			}
		}
		slots = append(slots, slot{off: loc[0], end: loc[1], kind: slotDate, t: t, layout: layout})
		if t.After(s.date) {
			s.date = t
		}
	}
	sort.SliceStable(slots, func(i, j int) bool { return slots[i].off < slots[j].off })
	for _, sl := range slots { // the first of overlapping matches wins
		if n := len(s.slots); n == 0 || sl.off >= s.slots[n-1].end {
			s.slots = append(s.slots, sl)
		}
	}
	return s, nil
}

// providerDomains are groups of domains of one mailbox provider: a recipient at one of them is
// moved to any domain of its group, so that per-provider figures stay as the samples meant.
var providerDomains = [][]string{
	{"gmail.com", "googlemail.com"},
	{"yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com", "rocketmail.com"},
	{"outlook.com", "hotmail.com", "live.com", "msn.com", "hotmail.fr", "outlook.de"},
	{"icloud.com", "me.com", "mac.com"},
	{"gmx.de", "gmx.net", "gmx.at"},
	{"web.de"},
	{"orange.fr", "wanadoo.fr"},
	{"aol.com", "aim.com"},
}

// otherDomain returns one of 500 company domains, for recipients at the samples' example
// domains.
func otherDomain(r *rand.Rand) string {
	return "corp" + strconv.Itoa(r.IntN(500)) + ".example"
}

// moveDomain returns the domain a rewritten recipient gets: another domain of the same provider,
// a company domain for an example domain, or the same domain (typos such as gamil.com stay: they
// are what the typo report looks for).
func moveDomain(domain string, r *rand.Rand) string {
	for _, grp := range providerDomains {
		if slices.Contains(grp, domain) {
			return grp[r.IntN(len(grp))]
		}
	}
	if strings.HasSuffix(domain, ".example") || strings.HasSuffix(domain, "example.org") ||
		strings.HasSuffix(domain, "example.com") {
		return otherDomain(r)
	}
	return domain
}

// Message returns message i: the sample it is made from (i modulo the number of samples), with
// its recipients, their domains, its dates and its campaign rewritten. at is the rewritten
// date of the latest date in the sample (the bounce's own date, usually).
func (g *Generator) Message(i int) (data []byte, at time.Time) {
	return g.AppendMessage(nil, i)
}

// AppendMessage appends message i to buf and returns it, with the time of the bounce. With
// Options.Repeat, message 0 is the latest bounce and message i the (i+1)-th latest.
func (g *Generator) AppendMessage(buf []byte, i int) ([]byte, time.Time) {
	if g.plan != nil {
		return g.appendRepeated(buf, i)
	}
	s := g.samples[i%len(g.samples)]
	r := rand.New(rand.NewPCG(g.opt.Seed, uint64(i)))
	// Message i falls at a random time of the span; every date in it moves by the same amount.
	span := g.opt.Span
	at := g.latest.Add(-span).Add(time.Duration(float64(span) * r.Float64())).Truncate(time.Second)
	campaign := "camp-" + strconv.Itoa(r.IntN(g.opt.Campaigns))
	return g.rewrite(buf, s, at, campaign, func(sl slot) (string, string) {
		return sl.local + "." + strconv.Itoa(r.IntN(g.opt.Recipients)), moveDomain(sl.domain, r)
	})
}

// appendRepeated appends message i of the repeated mode: the recipient's address and domain
// come from its stream, the campaign from the message.
func (g *Generator) appendRepeated(buf []byte, i int) ([]byte, time.Time) {
	ev := g.plan.event(i)
	s := g.samples[ev.sample]
	r := rand.New(rand.NewPCG(g.opt.Seed, uint64(i)))
	campaign := "camp-" + strconv.Itoa(r.IntN(g.opt.Campaigns))
	rs := rand.New(rand.NewPCG(g.opt.Seed, 1<<63|uint64(ev.stream)))
	id := strconv.Itoa(int(ev.stream))
	return g.rewrite(buf, s, ev.at, campaign, func(sl slot) (string, string) {
		return sl.local + ".r" + id, moveDomain(sl.domain, rs)
	})
}

// rewrite appends sample s to buf with every date moved so that the latest is at, the
// campaign ids replaced by campaign and each recipient by the local part and domain that
// recipient gives (called once per recipient of the sample).
func (g *Generator) rewrite(buf []byte, s *sample, at time.Time, campaign string, recipient func(slot) (string, string)) ([]byte, time.Time) {
	shift := at.Sub(s.date)
	type rcpt struct{ local, domain string }
	var rcpts []rcpt
	last := 0
	for _, sl := range s.slots {
		buf = append(buf, s.data[last:sl.off]...)
		last = sl.end
		switch sl.kind {
		case slotRecipient:
			for len(rcpts) <= sl.arg {
				rcpts = append(rcpts, rcpt{})
			}
			if rcpts[sl.arg].local == "" {
				local, domain := recipient(sl)
				rcpts[sl.arg] = rcpt{local, domain}
			}
			buf = append(buf, rcpts[sl.arg].local...)
			buf = append(buf, '@')
			buf = append(buf, rcpts[sl.arg].domain...)
		case slotDate:
			buf = sl.t.Add(shift).AppendFormat(buf, sl.layout)
		case slotCampaign:
			buf = append(buf, campaign...)
		}
	}
	buf = append(buf, s.data[last:]...)
	if s.date.IsZero() {
		at = g.latest
	}
	return buf, at
}

// WriteMaildir writes messages first .. first+n-1 into the maildir dir (creating it, with cur/,
// new/ and tmp/), one file per message in new/, named like a delivery at the message's time.
func (g *Generator) WriteMaildir(dir string, first, n int) error {
	return writeMaildir(g, dir, first, n, "P"+strconv.FormatUint(g.opt.Seed, 10))
}

// WriteMbox writes messages first .. first+n-1 to w as an mboxrd file (RFC 4155): each message
// after a From_ line, lines starting with >*From  quoted, an empty line after each message.
// Line endings stay as the samples have them. With Options.Repeat the messages are written
// from first+n-1 down to first: oldest first, as a mail server appends them.
func (g *Generator) WriteMbox(w io.Writer, first, n int) error {
	return writeMbox(g, w, first, n, g.plan != nil)
}

// WriteFile writes n messages to path in format "maildir" (path is the maildir) or "mbox".
func (g *Generator) WriteFile(path, format string, n int) error {
	return writeFile(g, path, format, n)
}
