package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/config"
	"github.com/reboundhq/rebound/internal/dsn"

	"github.com/reboundhq/rebound/internal/attrib"
	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/mailbox"
	"github.com/reboundhq/rebound/internal/report"
	"github.com/reboundhq/rebound/internal/scan"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/pflag"
)

// loaded keeps the --rules and --policy read, so that each is read once per command.
type loaded struct {
	cl     *classify.Classifier
	policy *loadedPolicy
}

// checkConfigFiles reads the --rules folder and the --policy file when given, and reports the
// first that is missing or bad: every command does it before it runs, so that a wrong path
// or a typo stops stats as it stops export, with exit status 2 (usage).
func (g *globalOptions) checkConfigFiles() error {
	if g.rulesDir != "" {
		if _, err := g.classifier(); err != nil {
			return err
		}
	}
	if g.policyFile != "" {
		if _, err := g.loadPolicy(); err != nil {
			return err
		}
	}
	return nil
}

// classifier loads the built-in rules and, with --rules, the user's rules on top.
func (g *globalOptions) classifier() (*classify.Classifier, error) {
	if g.rulesDir == "" {
		return classify.Default()
	}
	if g.loaded.cl != nil {
		return g.loaded.cl, nil
	}
	if err := checkRulesDir(g.rulesDir); err != nil {
		return nil, err
	}
	cl, err := classify.LoadDir(g.rulesDir)
	if err != nil {
		// One problem a line, each with its prefix as the policy's (problemLines).
		return nil, withHint(exitUsage, errors.New(strings.ReplaceAll(strings.TrimRight(err.Error(), "\n"), "\n", "\nrebound: ")),
			"check the rules with 'rebound rules check "+g.rulesDir+"'")
	}
	g.loaded.cl = cl
	return cl, nil
}

// scanClassifier sets the classifier of o. A --rules folder is loaded already
// (checkConfigFiles), its errors reported before anything is read or created; the embedded
// rules, which load without error, load while the first messages are listed and read
// (scan.Options.LoadClassifier).
func (g *globalOptions) scanClassifier(o *scan.Options) error {
	if g.rulesDir == "" {
		o.LoadClassifier = classify.Default
		return nil
	}
	cl, err := g.classifier()
	o.Classifier = cl
	return err
}

// checkRulesDir makes sure a rules folder (--rules, rules check) is one: a usage error saying
// that it does not exist, or is a file, otherwise.
func checkRulesDir(dir string) error {
	const hint = "give a folder of .rules and .providers files (docs/rules.md)"
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return withHint(exitUsage, fmt.Errorf("rules folder %s does not exist", dir), hint)
	case err != nil:
		return withHint(exitUsage, fmt.Errorf("rules folder: %w", err), hint)
	case !fi.IsDir():
		return withHint(exitUsage, fmt.Errorf("rules folder %s is a file, not a folder", dir), hint)
	}
	return nil
}

// attributor finds campaigns and sending domains (docs/attribution.md): the --attrib file, or
// the defaults.
func (g *globalOptions) attributor() *attrib.Config {
	return g.attrib.config()
}

// skipper is what scan uses to skip messages the database already has.
type skipper interface {
	Known(keys []string) (map[string]bool, error)
	Resume(path string) (mailbox.Checkpoint, bool)
	Resumed(path string, cp mailbox.Checkpoint)
}

// source returns the message source for paths. With a skipper, known maildir messages and
// already-read parts of mbox files are not read again. Paths are made absolute so that mbox
// keys do not depend on the working directory.
func (g *globalOptions) source(paths []string, sk skipper, maxSize sizeFlag) func(yield func(mailbox.Message) error) error {
	opt := mailbox.Options{Stdin: g.stdin, MaxMessageSize: int64(maxSize), IMAP: g.imap.options(g, paths)}
	if sk != nil {
		opt.Known = sk.Known
		opt.Resume = sk.Resume
		opt.Resumed = sk.Resumed
		abs := make([]string, len(paths))
		for i, p := range paths {
			abs[i] = p
			if p != "-" && !mailbox.IsIMAP(p) {
				if a, err := filepath.Abs(p); err == nil {
					abs[i] = a
				}
			}
		}
		paths = abs
	}
	return func(yield func(mailbox.Message) error) error {
		return mailbox.Walk(paths, opt, yield)
	}
}

// sizeFlag is a flag value in bytes, written as a number with an optional K, M or G suffix
// (powers of 1024), e.g. 64M.
type sizeFlag int64

func (s *sizeFlag) String() string {
	n := int64(*s)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (s *sizeFlag) Set(v string) error {
	mult := int64(1)
	num := strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(v)), "B")
	if i := len(num) - 1; i >= 0 {
		switch num[i] {
		case 'K':
			mult, num = 1<<10, num[:i]
		case 'M':
			mult, num = 1<<20, num[:i]
		case 'G':
			mult, num = 1<<30, num[:i]
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return fmt.Errorf("invalid size %q: want a positive number of bytes, optionally with K, M or G", v)
	}
	*s = sizeFlag(n * mult)
	return nil
}

func (s *sizeFlag) Type() string { return "size" }

// durationFlag is a duration flag read with the one duration parser of rebound, that of the
// policy (docs/config.md, "Durations"): 45s, 90m, 72h, 7d, 2w.
type durationFlag time.Duration

func (d *durationFlag) String() string { return config.FormatDuration(time.Duration(*d)) }

func (d *durationFlag) Set(v string) error {
	p, err := config.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return err
	}
	*d = durationFlag(p)
	return nil
}

func (d *durationFlag) Type() string { return "duration" }

// addLimitFlags registers the MIME structure limits (docs/robustness.md) on a command that
// decodes messages.
func addLimitFlags(f *pflag.FlagSet, l *dsn.Limits) {
	f.IntVar(&l.MaxDepth, "max-mime-depth", dsn.DefaultLimits.MaxDepth, "`N` levels of multipart nesting read in one message; deeper parts are read as text")
	f.IntVar(&l.MaxParts, "max-mime-parts", dsn.DefaultLimits.MaxParts, "`N` MIME parts read in one message; later parts are ignored")
}

// addMaxSizeFlag registers --max-message-size on a command that reads mailboxes.
func addMaxSizeFlag(f *pflag.FlagSet, s *sizeFlag) {
	*s = mailbox.DefaultMaxMessageSize
	f.Var(s, "max-message-size", "largest message read, in bytes or with a K, M or G suffix; a larger one is recorded as undecodable")
}

// openStore opens the database for writing. It must exist: only scan creates one
// (createStore), so that a wrong path (REBOUND_DB set in a shell profile that cron does not
// read) is an error, never a new empty database.
func (g *globalOptions) openStore(ctx context.Context) (*store.Store, error) {
	return g.open(store.Existing())
}

// createStore opens the database for scan, creating it (and its folders) when needed.
func (g *globalOptions) createStore(ctx context.Context, opts ...store.Option) (*store.Store, error) {
	return g.open(opts...)
}

// open opens the database with opts; a missing one is an error naming where its path came from.
func (g *globalOptions) open(opts ...store.Option) (*store.Store, error) {
	path, err := g.dbPath()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(path, opts...)
	if errors.Is(err, store.ErrNotExist) {
		// A PostgreSQL connection string is no path: the hint names what it is, and the
		// store's own hint stays when it knows better (a string that is no connection string).
		what, arg := "path", "PATH"
		if store.IsPostgres(path) {
			var se *store.Error
			if errors.As(err, &se) && se.Hint != "" && se.Hint != store.HintNotExist {
				return nil, err
			}
			what, arg = "connection string", "URL"
		}
		fix := "give the database's " + what + " with --db " + arg + " (or $REBOUND_DB)"
		switch {
		case g.db != "":
			fix = "check it"
		case os.Getenv("REBOUND_DB") != "":
			fix = "set $REBOUND_DB to the database's " + what + " (or give --db " + arg + ")"
		}
		return nil, withHint(exitDatabase, err, "only 'rebound scan' creates a database; this "+what+" "+g.dbSource()+
			": run scan first, or "+fix)
	}
	return st, err
}

// mayWriteDB reports whether this user may write the database (store.MayWrite).
func (g *globalOptions) mayWriteDB() bool {
	path, err := g.dbPath()
	return err == nil && store.MayWrite(path)
}

// dbSource says where dbPath found the path, for messages.
func (g *globalOptions) dbSource() string {
	switch {
	case g.db != "":
		return "was given with --db"
	case os.Getenv("REBOUND_DB") != "":
		return "comes from $REBOUND_DB"
	}
	return "is the default, as neither --db nor $REBOUND_DB is set (cron does not read your shell profile)"
}

// storeExit maps database errors to their exit status and hint.
func storeExit(err error) (code int, hint string, ok bool) {
	var se *store.Error
	if errors.As(err, &se) {
		return exitDatabase, se.Hint, true
	}
	return 0, "", false
}

// renderFitted prints rows under header as a table that fits the output's width (termWidth):
// the widest columns are wrapped, the first only unless wholeFirst. Cells are made safe for a
// terminal first (see printable).
func (g *globalOptions) renderFitted(header []string, rows [][]string, wholeFirst bool) error {
	return g.renderFittedTo(g.stdout, header, nil, rows, wholeFirst)
}

// renderFittedTo is renderFitted writing to w (a buffer in front of standard output), leaving
// out the columns with drop > 0 (the highest first) when the table cannot fit otherwise.
func (g *globalOptions) renderFittedTo(w io.Writer, header []string, drop []int, rows [][]string, wholeFirst bool) error {
	safe := make([][]string, len(rows))
	for i, r := range rows {
		safe[i] = make([]string, len(r))
		for j, c := range r {
			safe[i][j] = printable(c)
		}
	}
	return report.WriteTextTableDrop(w, header, drop, safe, g.termWidth(false), wholeFirst)
}

// printable shows control characters (ESC, CR, LF, NUL, C1 controls such as CSI) and the
// Unicode bidirectional overrides escaped as \x1b, \n, \u202e..., so that a recipient or a
// diagnostic written by a stranger can neither drive the terminal nor break a table's lines.
// Invalid UTF-8 bytes are shown as \xff.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				fmt.Fprintf(&b, "\\x%02x", s[i])
				continue
			}
			b.WriteRune(r)
		case r == '\n':
			b.WriteString("\\n")
		case r == '\t':
			b.WriteString("\\t")
		case r == '\r':
			b.WriteString("\\r")
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		case unsafeRune(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unsafeRune reports whether r is a control character or a bidirectional formatting character
// (U+202A..U+202E, U+2066..U+2069), which can reorder what the terminal shows.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// plural writes n and a noun in the singular or the plural (an added s, or es after s, x, z,
// ch, sh): "1 row", "2 rows", "1 address", "3 addresses".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	for _, end := range []string{"s", "x", "z", "ch", "sh"} {
		if strings.HasSuffix(noun, end) {
			return thousands(n) + " " + noun + "es"
		}
	}
	return thousands(n) + " " + noun + "s"
}

// verb picks the singular or the plural form of a verb for n.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
