package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/pipeline"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/cobra"
)

func newEvaluateCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "evaluate",
		Short: "Recompute every address's state from its events (after a policy change)",
		Long: `evaluate recomputes the policy state and audit trail of every address from all its stored
events and overrides, with the policy in force (the defaults, or --policy FILE), in one
transaction. Scans evaluate only the addresses that got new events; run evaluate after
changing the policy. The summary (addresses per state, state changes) goes to stderr.`,
		Example: `  rebound --policy /etc/rebound/my.policy evaluate`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvaluate(cmd.Context(), g)
		},
	}
}

func runEvaluate(ctx context.Context, g *globalOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ev, lp, err := g.evaluator()
	if err != nil {
		return err
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	sum, err := pipeline.Evaluate(ctx, st, ev)
	if err != nil {
		return err
	}
	printEvalSummary(g.stderr, sum, g.policyFileName(), lp.id)
	return nil
}

// printEvalSummary prints what an evaluation did, in a fixed order.
func printEvalSummary(w io.Writer, sum store.EvalSummary, name, id string) {
	fmt.Fprintf(w, "evaluated %s with %s (policy %s)\n", plural(sum.Addresses, "address"), name, id)
	var parts []string
	for _, s := range bounce.States {
		if n := sum.States[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "states: %s\n", strings.Join(parts, ", "))
	}
	changes := make([]string, 0, len(sum.Changes))
	for c := range sum.Changes {
		changes = append(changes, c)
	}
	slices.Sort(changes)
	parts = parts[:0]
	for _, c := range changes {
		parts = append(parts, fmt.Sprintf("%s %d", c, sum.Changes[c]))
	}
	if len(parts) == 0 {
		fmt.Fprintln(w, "changed: none")
	} else {
		fmt.Fprintf(w, "changed: %s\n", strings.Join(parts, ", "))
	}
	if sum.Removed > 0 {
		fmt.Fprintf(w, "removed %s that %s no events left\n", plural(sum.Removed, "address"), verb(sum.Removed, "has", "have"))
	}
	if sum.Malformed > 0 {
		fmt.Fprintf(w, "malformed recipient addresses (not evaluated): %d\n", sum.Malformed)
	}
}
