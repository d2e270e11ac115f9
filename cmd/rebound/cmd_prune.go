package main

import (
	"context"
	"fmt"

	"github.com/reboundhq/rebound/internal/pipeline"
	"github.com/reboundhq/rebound/internal/policy"
	"github.com/spf13/cobra"
)

// pruneOptions are the flags of `rebound prune`.
type pruneOptions struct {
	olderThan string
	dryRun    bool
}

func newPruneCmd(g *globalOptions) *cobra.Command {
	o := &pruneOptions{}
	c := &cobra.Command{
		Use:   "prune --older-than DURATION",
		Short: "Delete old events and stored personal details, keeping every address's state",
		Long: `prune deletes the events that bounced more than DURATION ago, with their diagnostics, and
removes the subject, sender, Message-ID and error text of older messages. Every address keeps
its current state and audit trail: the events that decided a suppression (or a review) are
kept as its evidence, without their diagnostic, so a pruned suppression stays suppressed even
after 'rebound evaluate'. Message rows stay (without those details) so that a rescan of the
mailbox does not store the pruned messages again. docs/privacy.md says what is kept and for
how long.

DURATION uses the policy's units (90m, 72h, 180d, 26w) and must be at least the policy's
longest window, so that pruning cannot change a pause.`,
		Example: `  rebound prune --older-than 180d
  rebound prune --older-than 180d --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPrune(cmd.Context(), g, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.olderThan, "older-than", "", "prune what is older than this `duration` (180d, 26w; required)")
	f.BoolVar(&o.dryRun, "dry-run", false, "report what would be pruned and change nothing")
	return c
}

func runPrune(ctx context.Context, g *globalOptions, o *pruneOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.olderThan == "" {
		return usageError("prune needs --older-than DURATION (for example 180d)")
	}
	age, err := policy.ParseDuration(o.olderThan)
	if err != nil {
		return usageError("--older-than: %v", err)
	}
	ev, lp, err := g.evaluator()
	if err != nil {
		return err
	}
	if age < lp.horizon {
		return withHint(exitUsage,
			fmt.Errorf("--older-than %s is shorter than the policy's longest window (%s): pruning could change pauses", o.olderThan, lp.why),
			"use --older-than "+policy.FormatDuration(lp.horizon)+" or more")
	}
	st, err := g.openStore(ctx) // Prune evaluates what is pending first
	if err != nil {
		return err
	}
	defer st.Close()
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
