package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/reboundhq/rebound/internal/dsn"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/mailbox"
	"github.com/reboundhq/rebound/internal/pipeline"
	"github.com/reboundhq/rebound/internal/scan"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// scanOptions are the flags of `rebound scan`.
type scanOptions struct {
	json      bool // print the run summary as JSON on stdout
	quiet     bool // print nothing but errors
	batch     int  // messages per database transaction
	workers   int
	noProgess bool
	redact    bool     // --redact-diagnostics
	redactSet bool     // --redact-diagnostics given: it overrides the policy's redact_diagnostics
	maxSize   sizeFlag // --max-message-size
	limits    dsn.Limits
	host      string // --host: the prefix of the message keys; "" for none
}

func newScanCmd(g *globalOptions) *cobra.Command {
	o := &scanOptions{}
	c := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Read bounce mailboxes into the database (safe to rerun: known messages are skipped)",
		Long: `scan reads maildirs, mbox files, folders of messages, single message files (any of them
gzip, bzip2, xz or zstd compressed), standard input ("-") or IMAP mailboxes
(imaps://USER@HOST[:PORT]/MAILBOX, or imap:// with STARTTLS), decodes and classifies every
bounce and stores the results. Every message is recorded with its outcome, so a second run adds
nothing and reads only what is new. The IMAP password comes from --password-file, else
$REBOUND_IMAP_PASSWORD, else ~/.netrc; never from the command line.`,
		Example: `  rebound scan /var/mail/bounces
  rebound scan ~/Maildir/.Bounces /var/log/bounces.mbox.1.gz
  rebound --db /var/lib/rebound/rebound.db scan --quiet /var/mail/bounces
  rebound scan imaps://bounces@mail.example.com/INBOX`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.redactSet = cmd.Flags().Changed("redact-diagnostics")
			return runScan(cmd.Context(), g, o, args)
		},
	}
	f := c.Flags()
	f.BoolVar(&o.json, "json", false, "print the run summary as one JSON object on stdout")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing but errors")
	f.IntVar(&o.batch, "batch", 1000, "store `N` messages per database transaction")
	f.IntVar(&o.workers, "workers", 0, "decode with `N` workers (default: one per CPU)")
	f.BoolVar(&o.noProgess, "no-progress", false, "never show a progress bar")
	f.BoolVar(&o.redact, "redact-diagnostics", false, "remove each recipient's address and local part from the diagnostics stored; default: the policy's redact_diagnostics, no (docs/privacy.md)")
	f.StringVar(&o.host, "host", "", "`name` of this host in the message keys (default: the machine's host name with a PostgreSQL --db, none with a SQLite file)")
	addMaxSizeFlag(f, &o.maxSize)
	addIMAPFlags(f, &g.imap)
	addLimitFlags(f, &o.limits)
	return c
}

// scanHost is the host name in the message keys: --host, else on a PostgreSQL database (shared
// by hosts) the machine's host name, else none (a SQLite file belongs to one host; its keys stay
// as they were before --host existed).
func scanHost(flag string, postgres bool, hostname func() (string, error)) (string, error) {
	if flag == "" && postgres {
		h, err := hostname()
		if err != nil || h == "" {
			return "", withHint(exitUsage, fmt.Errorf("cannot find this machine's host name: %v", err),
				"give one with --host NAME")
		}
		flag = h
	}
	if strings.ContainsAny(flag, "/\x00") {
		return "", usageError("--host %q: a host name has no / or NUL", flag)
	}
	return flag, nil
}

// evaluateEvery is pipeline.IngestOptions.EvaluateEvery (a variable for tests).
var evaluateEvery = pipeline.DefaultEvaluateEvery

func runScan(ctx context.Context, g *globalOptions, o *scanOptions, paths []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.batch < 1 {
		return usageError("--batch must be at least 1")
	}
	scanOpt := scan.Options{Attributor: g.attributor(), Workers: o.workers, Limits: o.limits}
	if err := g.scanClassifier(&scanOpt); err != nil {
		return err
	}
	pol, _, err := g.evaluator() // the policy is checked before anything is read
	if err != nil {
		return err
	}
	db, err := g.dbPath()
	if err != nil {
		return err
	}
	host, err := scanHost(o.host, store.IsPostgres(db), os.Hostname)
	if err != nil {
		return err
	}
	if err := checkFirstScanPaths(db, paths); err != nil {
		return err
	}
	st, err := g.createStore(ctx, store.WithHost(host))
	if err != nil {
		return err
	}
	defer st.Close()

	var prog *progress
	if !o.quiet && !o.json && !o.noProgess && isTerminal(g.stderr) {
		prog = newProgress(g.stderr)
	}
	src := func(sk pipeline.Skipper) func(yield func(mailbox.Message) error) error {
		return g.source(paths, sk, o.maxSize)
	}
	sum, err := pipeline.Ingest(ctx, st, src, pipeline.IngestOptions{
		Scan:   scanOpt,
		Batch:  o.batch,
		Policy: &pol, EvaluateEvery: evaluateEvery,
		Progress: prog.update,
		Warn:     func(s string) { g.warnf("%s", s) },
		Quiet:    o.quiet,

		RedactDiagnostics: o.redactDiagnostics(pol),
	})
	prog.done()
	if err != nil {
		return err
	}
	switch {
	case o.json:
		enc := json.NewEncoder(g.stdout)
		if err := enc.Encode(sum); err != nil {
			return err
		}
	case !o.quiet:
		printSummary(g.stderr, sum)
	}
	if sum.BadPaths > 0 {
		return errPartial
	}
	return nil
}

// redactDiagnostics is --redact-diagnostics when given (=false turns the policy's setting off
// for this run), else the policy's redact_diagnostics.
func (o *scanOptions) redactDiagnostics(pol pipeline.Policy) bool {
	if o.redactSet {
		return o.redact
	}
	return pol.Policy.Privacy.RedactDiagnostics
}

func printSummary(w io.Writer, s *pipeline.IngestSummary) {
	fmt.Fprintf(w, "messages read %s, new %s, already seen %s", thousands(s.Read), thousands(s.New), thousands(s.Seen))
	if s.Duplicates > 0 {
		fmt.Fprintf(w, ", copies of stored messages %s (counted once)", thousands(s.Duplicates))
	}
	fmt.Fprintln(w)
	// Auto-replies and success notices are recorded per recipient, but they are no bounces.
	notBounce := map[string]string{string(bounce.TypeAutoReply): "auto-replies", string(bounce.TypeDelivered): "delivery notices"}
	types := make([]string, 0, len(s.Bounces))
	total := 0
	for t, n := range s.Bounces {
		if _, ok := notBounce[t]; !ok {
			types = append(types, t)
			total += n
		}
	}
	sort.Strings(types)
	fmt.Fprintf(w, "bounced recipients %s", thousands(total))
	for i, t := range types {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(w, "%s%s %s", sep, t, thousands(s.Bounces[t]))
	}
	fmt.Fprintf(w, "\nauto-replies %s, delivery notices %s, not bounces %s, undecodable %s, unreadable %s, paths not read %s\n",
		thousands(s.Bounces[string(bounce.TypeAutoReply)]), thousands(s.Bounces[string(bounce.TypeDelivered)]),
		thousands(s.NotBounces), thousands(s.Undecodable), thousands(s.Unreadable), thousands(s.BadPaths))
	fmt.Fprintf(w, "elapsed %.2fs, %.0f messages/s\n", s.Elapsed, s.Rate)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// checkFirstScanPaths refuses a first scan (no database file yet) none of whose paths exists,
// before the database is created: a mistyped mailbox path in the cron line would otherwise
// leave a new, empty database, and the export after it (README) would replace the CRM's file
// with an empty list, where a missing database makes the export refuse and leave the file as
// it was. Standard input, IMAP mailboxes and PostgreSQL are not checked; a scan into a
// database that exists goes on as before (each missing path named, exit status 4).
func checkFirstScanPaths(db string, paths []string) error {
	if store.IsPostgres(db) {
		return nil
	}
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	for _, p := range paths {
		if p == "-" || mailbox.IsIMAP(p) {
			return nil
		}
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	return withHint(exitPartialRead, fmt.Errorf("no mailbox at %s: nothing to scan, and no database created at %s",
		strings.Join(paths, ", "), db), "check the mailbox path")
}
