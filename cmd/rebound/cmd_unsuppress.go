package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"

	"github.com/reboundhq/rebound/internal/address"
	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/pipeline"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/cobra"
)

// unsuppressOptions are the flags of `rebound unsuppress`.
type unsuppressOptions struct {
	reason string
	by     string
}

func newUnsuppressCmd(g *globalOptions) *cobra.Command {
	o := &unsuppressOptions{}
	c := &cobra.Command{
		Use:   "unsuppress ADDRESS --reason TEXT",
		Short: "Return an address to active, recording who and why",
		Long: `unsuppress records an operator override: the address becomes active now, whatever its
state, and the events before now no longer count (later bounces count again). The override is
kept in the audit trail with who made it and why; 'rebound show ADDRESS' lists it. An address
that is already active is left as it is: nothing is recorded.`,
		Example: `  rebound unsuppress ann@example.org --reason "customer fixed the mailbox" --by alice`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUnsuppress(cmd.Context(), g, o, args[0])
		},
	}
	f := c.Flags()
	f.StringVar(&o.reason, "reason", "", "`TEXT`: why the address may be mailed again (required)")
	f.StringVar(&o.by, "by", "", "`WHO` decides (default $USER, else the OS user)")
	return c
}

// operator is who runs rebound: $USER, else the OS user name.
func operator() string {
	if u := strings.TrimSpace(os.Getenv("USER")); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

func runUnsuppress(ctx context.Context, g *globalOptions, o *unsuppressOptions, arg string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	reason := strings.TrimSpace(o.reason)
	if reason == "" {
		return usageError("unsuppress needs --reason TEXT: why the address may be mailed again")
	}
	by := strings.TrimSpace(o.by)
	if by == "" {
		by = operator()
	}
	addr, err := address.Normalize(arg)
	if err != nil {
		return usageError("%v", err)
	}
	st, ev, _, err := g.openPolicyStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// An address already active has nothing to undo: no override is recorded (its state is
	// brought up to date with the stored bounces first).
	if _, err := pipeline.EvaluatePending(ctx, st, ev); err != nil {
		return err
	}
	if row, ok, err := st.State(ctx, addr); err != nil {
		return err
	} else if ok && row.Effective(ev.Now) == bounce.StateActive {
		fmt.Fprintf(g.stdout, "%s: already active; nothing recorded\n", addr)
		return nil
	}
	before, after, err := pipeline.Unsuppress(ctx, st, ev, addr, by, reason)
	if errors.Is(err, store.ErrUnknownAddress) {
		return noEvents(addr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "%s: %s -> %s (unsuppressed by %s: %s)\n", addr, before, after.Effective(ev.Now), by, reason)
	return nil
}
