package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/address"
	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/export"
	"github.com/reboundhq/rebound/internal/pipeline"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/cobra"
)

func newShowCmd(g *globalOptions) *cobra.Command {
	var asJSON, malformed, undecodable bool
	c := &cobra.Command{
		Use:   "show ADDRESS | --malformed | --undecodable",
		Short: "Show an address's suppression state and its whole history",
		Long: `show prints the current policy state of an address and its history: every stored event
(bounce time, type, reason, status, rule, diagnostic, where the message is), every transition
of the audit trail with the rule and the policy settings that applied, the overrides
(rebound unsuppress) and the exports that delivered it.

The address is normalised first (lower case, IDNA domain). An address the database knows
nothing about is an error (exit status 1), so scripts can tell.

--malformed lists the recipients whose address is malformed instead: they are never evaluated
nor exported. Each line says why, how many events it has and when it last bounced.

--undecodable lists the messages recorded as undecodable, from which no bounce could be read:
where each is (the file, and the message's number in an mbox), why, its date and when it was
scanned. 'rebound parse --all FILE' reads one again.`,
		Example: `  rebound show ann@example.org
  rebound show --malformed
  rebound show --undecodable --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			list := malformed || undecodable
			switch {
			case malformed && undecodable:
				return usageError("give either --malformed or --undecodable, not both")
			case list && len(args) > 0:
				return usageError("give either an ADDRESS or %s, not both", map[bool]string{true: "--malformed", false: "--undecodable"}[malformed])
			case !list && len(args) == 0:
				return usageError("show needs an ADDRESS (or --malformed, --undecodable)")
			case !list && len(args) > 1:
				return usageError("show takes one ADDRESS, not %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case malformed:
				return runShowMalformed(cmd.Context(), g, asJSON)
			case undecodable:
				return runShowUndecodable(cmd.Context(), g, asJSON)
			}
			return runShow(cmd.Context(), g, args[0], asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object (with --malformed or --undecodable, a JSON array)")
	c.Flags().BoolVar(&malformed, "malformed", false, "list the recipients whose address is malformed (never evaluated nor exported)")
	c.Flags().BoolVar(&undecodable, "undecodable", false, "list the messages recorded as undecodable: where, why, date, when scanned")
	return c
}

// storedList is a list show prints from the database (--malformed, --undecodable): read reads
// it, row gives an item's JSON object, and table prints the items (never none).
type storedList[T any] struct {
	read  func(*store.Store, context.Context) ([]T, error)
	row   func(T) any
	empty string // printed when there is no item
	table func([]T) error
}

// show opens the database read-only and prints the list: a JSON array with asJSON, else the
// empty line or the table.
func (l storedList[T]) show(ctx context.Context, g *globalOptions, asJSON bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := g.openReader(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := l.read(st, ctx)
	switch {
	case err != nil:
		return err
	case asJSON:
		out := make([]any, len(list))
		for i, m := range list {
			out[i] = l.row(m)
		}
		return writeJSON(g.stdout, out)
	case len(list) == 0:
		fmt.Fprintln(g.stdout, l.empty)
		return nil
	}
	return l.table(list)
}

// runShowMalformed lists the stored recipients whose address is malformed.
func runShowMalformed(ctx context.Context, g *globalOptions, asJSON bool) error {
	type row struct {
		Recipient  string  `json:"recipient"`
		Why        string  `json:"why"`
		Events     int     `json:"events"`
		LastBounce *string `json:"last_bounce"`
	}
	return storedList[store.MalformedRecipient]{
		read: (*store.Store).MalformedRecipients,
		row: func(m store.MalformedRecipient) any {
			return row{m.Recipient, m.Error, m.Events, jsTime(m.LastBounce)}
		},
		empty: "No recipient with a malformed address.",
		table: func(list []store.MalformedRecipient) error {
			// The address stays on one line (wholeFirst), shortened in the middle when it would
			// take more than its share of the width: a malformed address can be thousands of
			// bytes long.
			limit := max(20, g.termWidth(false)/4)
			rows := make([][]string, len(list))
			for i, m := range list {
				rows[i] = []string{addressEllipsis(printable(m.Recipient), limit), thousands(m.Events), fmtTime(m.LastBounce), m.Error}
			}
			return g.renderFitted([]string{"Recipient", "Events", "Last bounce", "Why"}, rows, true)
		},
	}.show(ctx, g, asJSON)
}

// runShowUndecodable lists the stored messages recorded as undecodable.
func runShowUndecodable(ctx context.Context, g *globalOptions, asJSON bool) error {
	type row struct {
		Position  string  `json:"position"`
		Why       string  `json:"why"`
		Date      *string `json:"date"`
		ScannedAt *string `json:"scanned_at"`
		Subject   *string `json:"subject"`
		From      *string `json:"from"`
	}
	return storedList[store.UndecodableMessage]{
		read: (*store.Store).UndecodableMessages,
		row: func(m store.UndecodableMessage) any {
			return row{m.Position, m.Error, jsTime(m.Date), jsTime(m.ScannedAt), jsStr(m.Subject), jsStr(m.From)}
		},
		empty: "No undecodable message.",
		table: func(list []store.UndecodableMessage) error {
			// The position stays on one line, shortened in the middle when it would take more
			// than half the width (a long path); the reason wraps; when the table cannot fit,
			// the scan time is left out, then the date.
			limit := max(20, g.termWidth(false)/2)
			rows := make([][]string, len(list))
			for i, m := range list {
				rows[i] = []string{addressEllipsis(printable(m.Position), limit), m.Error, fmtMinute(m.Date), fmtMinute(m.ScannedAt)}
			}
			return g.renderFittedTo(g.stdout, []string{"Message", "Why", "Date (UTC)", "Scanned (UTC)"}, []int{0, 0, 1, 2}, rows, true)
		},
	}.show(ctx, g, asJSON)
}

// fmtMinute is a time to the minute, UTC, for a narrow column: 2026-03-01 08:00 ("-": none).
func fmtMinute(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// shown is everything show prints about an address.
type shown struct {
	Address     string
	Malformed   string       // why the address cannot be evaluated
	State       bounce.State // effective now
	Stored      *store.StateRow
	Events      []bounce.Event
	Transitions []bounce.Transition
	Overrides   []bounce.Override
	Exports     []store.ExportChange
	OtherPolicy bool // the stored state was evaluated with another policy than the one in force
}

func runShow(ctx context.Context, g *globalOptions, arg string, asJSON bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	st, ev, lp, err := g.openPolicyReader(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	sh := &shown{}
	addr, nerr := address.Normalize(arg)
	if nerr != nil {
		return showMalformed(ctx, g, st, arg, nerr, asJSON)
	}
	sh.Address = addr
	if err := st.Read(ctx, "read state", func(tx *store.Tx) error { return sh.read(tx, ev.Now, lp.id) }); err != nil {
		return err
	}
	if sh.Stored == nil && len(sh.Events) == 0 && len(sh.Overrides) == 0 {
		if p, found, err := pipeline.PseudonymOf(ctx, st, addr); err != nil || found {
			if err == nil {
				fmt.Fprintf(g.stderr, "%s is pseudonymised: its history is stored as %s\n", addr, p)
				return runShow(ctx, g, p, asJSON)
			}
			return err
		}
		return noEvents(addr)
	}
	if p, found, err := pipeline.PseudonymOf(ctx, st, addr); err != nil {
		return err
	} else if found {
		fmt.Fprintf(g.stderr, "%s has older history pseudonymised: rebound show %s\n", addr, p)
	}
	if asJSON {
		return writeJSON(g.stdout, sh.json())
	}
	sh.print(g.stdout, g.termWidth(false))
	return nil
}

// read reads what show prints about sh.Address, in one snapshot.
func (sh *shown) read(tx *store.Tx, now time.Time, policyID string) error {
	row, ok, err := tx.State(sh.Address)
	if err != nil {
		return err
	}
	if ok {
		sh.Stored = &row
		sh.State = row.Effective(now)
		sh.OtherPolicy = row.Policy != policyID
	}
	if sh.Events, err = store.Collect(tx.Events(sh.Address)); err != nil {
		return err
	}
	if sh.Transitions, err = store.Collect(tx.Transitions(sh.Address)); err != nil {
		return err
	}
	if sh.Overrides, err = store.Collect(tx.Overrides(sh.Address)); err != nil {
		return err
	}
	sh.Exports, err = store.Collect(tx.ExportChanges(sh.Address))
	return err
}

func noEvents(addr string) error {
	return withHint(exitFailure, fmt.Errorf("no events for %s", addr),
		"addresses are compared normalised (lower case, IDNA domain); check the spelling, or --db")
}

// showMalformed shows the events of a recipient whose address is malformed: it has no state.
func showMalformed(ctx context.Context, g *globalOptions, st *store.Store, arg string, nerr error, asJSON bool) error {
	raw := store.NormalizeRecipient(arg)
	evs, err := st.EventsFor(ctx, raw)
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return withHint(exitFailure, fmt.Errorf("no events for %s", arg), nerr.Error())
	}
	sh := &shown{Address: raw, Malformed: nerr.Error(), Events: evs}
	if asJSON {
		return writeJSON(g.stdout, sh.json())
	}
	sh.print(g.stdout, g.termWidth(false))
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

const timeFmt = time.RFC3339

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeFmt)
}

// stateLine describes the effective state, and the stored one when time has changed it.
func (sh *shown) stateLine() string {
	r := sh.Stored
	switch {
	case r == nil:
		return "not evaluated"
	case sh.State != r.State && r.State == bounce.StatePaused:
		return fmt.Sprintf("active (the pause ended %s)", fmtTime(r.ExpiresAt))
	case sh.State != r.State && r.State == bounce.StateSoft:
		return fmt.Sprintf("active (the soft window ended %s)", fmtTime(r.ExpiresAt))
	case r.State == bounce.StatePaused:
		return fmt.Sprintf("paused until %s (%d soft bounces in the window, pause %d within the pause window)",
			fmtTime(r.SuppressedUntil), r.SoftCount, r.PauseCount)
	case r.State == bounce.StateSoft:
		return fmt.Sprintf("soft(%d) until %s", r.SoftCount, fmtTime(r.ExpiresAt))
	}
	return string(r.State)
}

// print writes what show knows about the address for people, every line within width (0: no
// limit): the fields of a line are wrapped under an indent, and a value too long for a line
// (a malformed address, a path) is shortened in the middle with an ellipsis. --json has them
// whole.
func (sh *shown) print(w io.Writer, width int) {
	f := &fitter{w: w, width: width}
	const field = "             " // under the values of "address      ..."
	f.words("address      ", " ", field, sh.Address)
	if sh.Malformed != "" {
		f.text("state        ", field, "not evaluated: malformed ("+sh.Malformed+")")
	} else {
		f.text("state        ", field, sh.stateLine())
	}
	if r := sh.Stored; r != nil {
		f.words("since        ", " ", field, fmtTime(r.Since))
		if d := &r.Decision; d.ID != "" {
			f.words("decided by   ", " ", field, d.ID, fmtTime(d.BouncedAt), string(d.Type), string(d.Reason),
				dash(strings.TrimSpace(d.Status+" "+d.ReplyCode)), "rule="+dash(d.Rule))
			f.text("setting      ", field, dash(r.Setting))
		}
		f.text("bounces      ", field, fmt.Sprintf("%d (first %s, last %s)", r.Bounces, fmtTime(r.FirstBounce), fmtTime(r.LastBounce)))
		f.text("evaluated    ", field, fmt.Sprintf("%s with policy %s", fmtTime(r.EvaluatedAt), r.Policy))
		if sh.OtherPolicy {
			f.text("note         ", field, "the policy in force now is another one: run 'rebound evaluate'")
		}
	}
	const sub = "      " // under an event's time, for its other lines
	fmt.Fprintf(w, "\nevents (%d)\n", len(sh.Events))
	for _, e := range sh.Events {
		f.words("  ", "  ", sub, fmtTime(e.BouncedAt), string(e.Type), string(e.Reason), dash(e.Status), dash(e.ReplyCode),
			"rule="+dash(e.Rule), "provider="+dash(e.Provider), "id="+e.ID, "at "+e.Position)
		if e.FeedbackType != "" {
			f.words(sub+"feedback-type: ", " ", sub, e.FeedbackType)
		}
		if d := export.CleanDiagnostic(e.Diagnostic); d != "" {
			f.text(sub, sub, d)
		}
	}
	if sh.Malformed != "" {
		return
	}
	fmt.Fprintf(w, "\ntransitions (%d)\n", len(sh.Transitions))
	for i, t := range sh.Transitions {
		line := t.String()
		if t.From == bounce.StateSoft && i > 0 {
			// A lone transition does not know its from-count; the previous one does.
			line = strings.Replace(line, " soft->", fmt.Sprintf(" soft(%d)->", sh.Transitions[i-1].SoftCount), 1)
		}
		f.text("  ", sub, line)
	}
	fmt.Fprintf(w, "\noverrides (%d)\n", len(sh.Overrides))
	for _, o := range sh.Overrides {
		f.text("  ", sub, fmt.Sprintf("%s by %s: %s", fmtTime(o.At), o.By, o.Why))
	}
	fmt.Fprintf(w, "\nexports (%d)\n", len(sh.Exports))
	for _, x := range sh.Exports {
		f.words("  ", " ", sub, fmtTime(x.At), fmt.Sprintf("export %d to", x.ExportID), x.Target+":", x.Kind)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// The JSON form of show: stable snake_case keys, times in RFC 3339, null when unknown.
type showJSON struct {
	Address     string           `json:"address"`
	State       string           `json:"state"` // effective now; "not evaluated" for a malformed address
	Malformed   *string          `json:"malformed"`
	Stored      *storedJSON      `json:"stored"`
	Events      []eventJSON      `json:"events"`
	Transitions []transitionJSON `json:"transitions"`
	Overrides   []overrideJSON   `json:"overrides"`
	Exports     []exportJSON     `json:"exports"`
}

type storedJSON struct {
	State           string  `json:"state"` // as evaluated
	SoftCount       int     `json:"soft_count"`
	PauseCount      int     `json:"pause_count"`
	SuppressedUntil *string `json:"suppressed_until"`
	ExpiresAt       *string `json:"expires_at"`
	Since           *string `json:"since"`
	FirstBounce     *string `json:"first_bounce"`
	LastBounce      *string `json:"last_bounce"`
	Bounces         int     `json:"bounces"`
	Event           *string `json:"event"`
	Type            *string `json:"type"`
	Reason          *string `json:"reason"`
	Status          *string `json:"status"`
	ReplyCode       *string `json:"reply_code"`
	Provider        *string `json:"provider"`
	Rule            *string `json:"rule"`
	Diagnostic      *string `json:"diagnostic"`
	DecidedAt       *string `json:"decided_at"`
	Setting         *string `json:"setting"`
	Policy          string  `json:"policy"`
	EvaluatedAt     string  `json:"evaluated_at"`
}

type eventJSON struct {
	ID           string  `json:"id"`
	BouncedAt    *string `json:"bounced_at"`
	Recipient    string  `json:"recipient"`
	Type         string  `json:"type"`
	Reason       string  `json:"reason"`
	Status       *string `json:"status"`
	ReplyCode    *string `json:"reply_code"`
	Provider     *string `json:"provider"`
	Rule         *string `json:"rule"`
	Diagnostic   *string `json:"diagnostic"`
	FeedbackType *string `json:"feedback_type"`
	Position     string  `json:"position"`
}

type transitionJSON struct {
	At        string   `json:"at"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	SoftCount int      `json:"soft_count"`
	Events    []string `json:"events"`
	Rule      *string  `json:"rule"`
	Setting   *string  `json:"setting"`
	Note      *string  `json:"note"`
}

type overrideJSON struct {
	At  string `json:"at"`
	By  string `json:"by"`
	Why string `json:"why"`
}

type exportJSON struct {
	Export int64  `json:"export"`
	At     string `json:"at"`
	Target string `json:"target"`
	Kind   string `json:"kind"`
}

func jsTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(timeFmt)
	return &s
}

func jsStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (sh *shown) json() showJSON {
	out := showJSON{Address: sh.Address, State: string(sh.State), Malformed: jsStr(sh.Malformed),
		Events: []eventJSON{}, Transitions: []transitionJSON{}, Overrides: []overrideJSON{}, Exports: []exportJSON{}}
	if out.State == "" {
		out.State = "not evaluated"
	}
	if r := sh.Stored; r != nil {
		out.Stored = &storedJSON{State: string(r.State), SoftCount: r.SoftCount, PauseCount: r.PauseCount,
			SuppressedUntil: jsTime(r.SuppressedUntil), ExpiresAt: jsTime(r.ExpiresAt), Since: jsTime(r.Since),
			FirstBounce: jsTime(r.FirstBounce), LastBounce: jsTime(r.LastBounce), Bounces: r.Bounces,
			Event: jsStr(r.Decision.ID), Type: jsStr(string(r.Decision.Type)), Reason: jsStr(string(r.Decision.Reason)),
			Status: jsStr(r.Decision.Status), ReplyCode: jsStr(r.Decision.ReplyCode), Provider: jsStr(r.Decision.Provider),
			Rule: jsStr(r.Decision.Rule), Diagnostic: jsStr(r.Decision.Diagnostic), DecidedAt: jsTime(r.Decision.BouncedAt),
			Setting: jsStr(r.Setting),
			Policy:  r.Policy, EvaluatedAt: r.EvaluatedAt.UTC().Format(timeFmt)}
	}
	for _, e := range sh.Events {
		out.Events = append(out.Events, eventJSON{ID: e.ID, BouncedAt: jsTime(e.BouncedAt),
			Recipient: e.Recipient, Type: string(e.Type), Reason: string(e.Reason), Status: jsStr(e.Status),
			ReplyCode: jsStr(e.ReplyCode), Provider: jsStr(e.Provider), Rule: jsStr(e.Rule),
			Diagnostic: jsStr(e.Diagnostic), FeedbackType: jsStr(e.FeedbackType), Position: e.Position})
	}
	for _, t := range sh.Transitions {
		evs := t.Events
		if evs == nil {
			evs = []string{}
		}
		out.Transitions = append(out.Transitions, transitionJSON{At: t.At.UTC().Format(timeFmt), From: string(t.From),
			To: string(t.To), SoftCount: t.SoftCount, Events: evs, Rule: jsStr(t.Rule), Setting: jsStr(t.Setting),
			Note: jsStr(t.Note)})
	}
	for _, o := range sh.Overrides {
		out.Overrides = append(out.Overrides, overrideJSON{At: o.At.UTC().Format(timeFmt), By: o.By, Why: o.Why})
	}
	for _, x := range sh.Exports {
		out.Exports = append(out.Exports, exportJSON{Export: x.ExportID, At: x.At.UTC().Format(timeFmt),
			Target: x.Target, Kind: x.Kind})
	}
	return out
}
