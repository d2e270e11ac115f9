package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/reboundhq/rebound/internal/config"
	"github.com/reboundhq/rebound/internal/pipeline"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/cobra"
)

// pruneOptions are the flags of `rebound prune`.
type pruneOptions struct {
	olderThan   string
	pseudoOlder string
	dryRun      bool
}

func newPruneCmd(g *globalOptions) *cobra.Command {
	o := &pruneOptions{}
	c := &cobra.Command{
		Use:   "prune [--older-than DURATION] [--pseudonymise-older-than DURATION]",
		Short: "Delete old events and stored personal details, keeping every address's state",
		Long: `prune deletes the events that bounced more than DURATION ago, with their diagnostics, and
removes the subject, sender, Message-ID and error text of older messages. Every address keeps
its current state and audit trail: the events that decided a suppression (or a review) are
kept as its evidence, without their diagnostic, so a pruned suppression stays suppressed even
after 'rebound evaluate'. Message rows stay (without those details) so that a rescan of the
mailbox does not store the pruned messages again. docs/privacy.md says what is kept and for
how long.

--pseudonymise-older-than replaces the address of every recipient whose events all bounced
more than DURATION ago by a keyed hash (HMAC-SHA-256 with the database's secret) at the same
domain, in its events, state, audit trail and overrides, and removes the address from their
texts; suppressed, paused and under-review addresses stay in clear (the export needs them).
'rebound show' finds them by address or by pseudonym. Without the flag, prune pseudonymises
by the policy's pseudonymise_after ([privacy] section, docs/policy.md) when it is set.

DURATION uses the policy's units (90m, 72h, 180d, 26w) and must be at least the policy's
longest window, so that pruning cannot change a pause.`,
		Example: `  rebound prune --older-than 180d
  rebound prune --older-than 180d --dry-run
  rebound prune --older-than 400d --pseudonymise-older-than 30d
  rebound --policy /etc/rebound/my.policy prune --older-than 400d   # and pseudonymise_after`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPrune(cmd.Context(), g, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.olderThan, "older-than", "", "prune what is older than this `duration` (180d, 26w; required)")
	f.StringVar(&o.pseudoOlder, "pseudonymise-older-than", "", "replace by a keyed hash the addresses not suppressed whose events are all older than this `duration`; default: the policy's pseudonymise_after (docs/privacy.md)")
	f.BoolVar(&o.dryRun, "dry-run", false, "report what would be pruned and change nothing")
	return c
}

func runPrune(ctx context.Context, g *globalOptions, o *pruneOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ev, lp, err := g.evaluator()
	if err != nil {
		return err
	}
	by := "" // where the pseudonymisation age comes from, when not from the flag
	if st, ok := lp.p.Privacy.Setting("pseudonymise_after"); ok && o.pseudoOlder == "" {
		o.pseudoOlder = st.Value
		by = fmt.Sprintf(", by the policy's pseudonymise_after %s (%s:%d)", st.Value, st.File, st.Line)
	}
	if o.olderThan == "" && o.pseudoOlder == "" {
		return withHint(exitUsage, errors.New("prune needs --older-than DURATION (for example 180d) or --pseudonymise-older-than DURATION"),
			"or set pseudonymise_after in the [privacy] section of the policy (docs/privacy.md)")
	}
	age, err := pruneAge("--older-than", o.olderThan, lp)
	if err != nil {
		return err
	}
	pseudoAge, err := pruneAge("--pseudonymise-older-than", o.pseudoOlder, lp)
	if err != nil {
		return err
	}
	st, err := g.openStore(ctx) // Prune and Pseudonymise evaluate what is pending first
	if err != nil {
		return err
	}
	defer st.Close()
	if o.olderThan != "" {
		if err := o.prune(ctx, g, st, ev, age); err != nil {
			return err
		}
	}
	if o.pseudoOlder == "" {
		return nil
	}
	ps, err := pipeline.Pseudonymise(ctx, st, ev, pseudoAge, o.dryRun)
	if errors.Is(err, pipeline.ErrDamagedSecret) {
		return withHint(exitDatabase, err, "restore the database from a backup: its pseudonyms cannot be matched without the secret")
	}
	if err != nil {
		return err
	}
	verb := "pseudonymised"
	if o.dryRun {
		verb = "would pseudonymise (dry run)"
	}
	fmt.Fprintf(g.stderr, "%s %s whose events all bounced before %s (%s)%s\n", verb, plural(ps.Addresses, "address"),
		fmtTime(ev.Now.Add(-pseudoAge)), plural(ps.Events, "event"), by)
	if ps.Addresses > 0 && !o.dryRun && !ps.Compacted {
		fmt.Fprintf(g.stderr, "rebound: the database's write-ahead log is in use by another process: old texts stay in it until the next checkpoint\nhint: run the prune again when no rebound runs\n")
	}
	return nil
}

// pruneAge reads a --older-than duration ("" is 0) and checks it against the policy's longest
// window.
func pruneAge(flag, value string, lp *loadedPolicy) (time.Duration, error) {
	if value == "" {
		return 0, nil
	}
	age, err := config.ParseDuration(value)
	if err != nil {
		return 0, usageError("%s: %v", flag, err)
	}
	if age < lp.horizon {
		return 0, withHint(exitUsage,
			fmt.Errorf("%s %s is shorter than the policy's longest window (%s): pruning could change pauses", flag, value, lp.why),
			"use "+flag+" "+config.FormatDuration(lp.horizon)+" or more")
	}
	return age, nil
}

// prune deletes what bounced more than age before the policy's time.
func (o *pruneOptions) prune(ctx context.Context, g *globalOptions, st *store.Store, ev pipeline.Policy, age time.Duration) error {
	sum, err := pipeline.Prune(ctx, st, ev, age, o.dryRun)
	if err != nil {
		return err
	}
	verb := "pruned"
	if o.dryRun {
		verb = "would prune (dry run)"
	}
	fmt.Fprintf(g.stderr, "%s what bounced before %s\n", verb, fmtTime(sum.Cutoff))
	fmt.Fprintf(g.stderr, "events deleted %d, kept as evidence of a suppression or review %d (details removed)\n",
		sum.EventsDeleted, sum.EventsKept)
	fmt.Fprintf(g.stderr, "messages cleared %d, state diagnostics cleared %d\n", sum.MessagesCleared, sum.StatesCleared)
	return nil
}
