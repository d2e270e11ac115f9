package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/pipeline"
	"github.com/reboundhq/rebound/internal/policy"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/rules"
)

// The suppression policy in the CLI: loading --policy over the embedded defaults, the clock
// (REBOUND_NOW), and the evaluation that scan, export, show, unsuppress and prune run first.
// docs/policy.md describes the policy and when states are evaluated.

// loadedPolicy is the policy in force, with its id and its longest time horizon.
type loadedPolicy struct {
	p       *policy.Policy
	id      string        // policy.ID
	horizon time.Duration // longest span over which events decide a state that is not permanent
	why     string        // the settings that make the horizon, for messages
}

const policyHint = "the format is in docs/policy.md; the defaults are rules/default.policy"

// loadPolicy loads the embedded defaults with the --policy file, if any, laid over them, and
// checks that its sections name known reasons and providers. Every problem, of syntax or of
// vocabulary, is reported in one run, as a usage error (exit status 2) naming the file and line.
func (g *globalOptions) loadPolicy() (*loadedPolicy, error) {
	if g.loaded.policy != nil {
		return g.loaded.policy, nil
	}
	var data []byte
	name := ""
	if g.policyFile != "" {
		b, err := os.ReadFile(g.policyFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, withHint(exitUsage, fmt.Errorf("policy file %s does not exist", g.policyFile), "check the path given with --policy")
		case err != nil:
			return nil, withHint(exitUsage, fmt.Errorf("policy file: %w", err), "check the path given with --policy")
		}
		data, name = b, g.policyFile
	}
	providers, err := g.providerIDs()
	if err != nil {
		return nil, err
	}
	reasons := make([]string, len(bounce.Reasons))
	for i, r := range bounce.Reasons {
		reasons[i] = string(r.Reason)
	}
	p, err := policy.LoadChecked(rules.DefaultPolicy, name, data, reasons, providers)
	if err != nil {
		return nil, policyError(err)
	}
	lp := &loadedPolicy{p: p, id: p.ID()}
	lp.horizon, lp.why = p.Horizon()
	g.loaded.policy = lp
	return lp, nil
}

// policyError reports every problem of a policy file on its own "rebound: file:line: ..." line.
func policyError(err error) error {
	return withHint(exitUsage, errors.New(problemLines(err)), policyHint)
}

// problemLines writes every problem of a joined error (errors.Join) on its own
// "rebound: file:line: ..." line: the first gets its prefix where the error is printed.
func problemLines(err error) string {
	var lines []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			lines = append(lines, e.Error())
		}
	} else {
		lines = []string{err.Error()}
	}
	return strings.Join(lines, "\nrebound: ")
}

// providerIDs lists the provider ids of the provider tables (the [provider ID] sections of the
// embedded *.providers files and of those in --rules DIR), and "other".
func (g *globalOptions) providerIDs() ([]string, error) {
	if g.rulesDir != "" {
		if err := checkRulesDir(g.rulesDir); err != nil {
			return nil, err
		}
	}
	ids, err := classify.ProviderIDs(g.rulesDir)
	if err != nil {
		return nil, withHint(exitUsage, fmt.Errorf("rules %s: %w", g.rulesDir, err), "check --rules")
	}
	return ids, nil
}

// nowEnv is the environment variable that fixes rebound's clock, for tests (docs/policy.md).
const nowEnv = "REBOUND_NOW"

// now is the current time to the second, in UTC, or $REBOUND_NOW (RFC 3339) when set.
func (g *globalOptions) now() (time.Time, error) {
	if v := os.Getenv(nowEnv); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, usageError("%s=%q is not an RFC 3339 time such as 2026-03-01T00:00:00Z", nowEnv, v)
		}
		return t.UTC().Truncate(time.Second), nil
	}
	return time.Now().UTC().Truncate(time.Second), nil
}

// evaluator returns the policy in force and the clock, as the store needs them.
func (g *globalOptions) evaluator() (pipeline.Policy, *loadedPolicy, error) {
	lp, err := g.loadPolicy()
	if err != nil {
		return pipeline.Policy{}, nil, err
	}
	now, err := g.now()
	if err != nil {
		return pipeline.Policy{}, nil, err
	}
	return pipeline.Policy{Policy: lp.p, ID: lp.id, Now: now}, lp, nil
}

// evaluatePending brings the stored states up to date with the events stored since the last
// evaluation (by this scan, or by a scan that was killed before it could evaluate).
func evaluatePending(ctx context.Context, st *store.Store, ev pipeline.Policy) error {
	_, err := pipeline.EvaluatePending(ctx, st, ev)
	return err
}

// openPolicyStore loads the policy, opens the database and evaluates what is pending: the
// start of every command that reads states.
func (g *globalOptions) openPolicyStore(ctx context.Context) (*store.Store, pipeline.Policy, *loadedPolicy, error) {
	ev, lp, err := g.evaluator()
	if err != nil {
		return nil, ev, nil, err
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return nil, ev, nil, err
	}
	if err := evaluatePending(ctx, st, ev); err != nil {
		st.Close()
		return nil, ev, nil, err
	}
	return st, ev, lp, nil
}

// openPolicyReader is openPolicyStore for the commands that only read states (show, and export
// when it records nothing): the database is opened read-only (openReader). Events a killed scan
// left unevaluated are evaluated first when this user may write the database (its owner, or
// root); anyone else is told that states are as of the last evaluation.
func (g *globalOptions) openPolicyReader(ctx context.Context) (*store.Store, pipeline.Policy, *loadedPolicy, error) {
	ev, lp, err := g.evaluator()
	if err != nil {
		return nil, ev, nil, err
	}
	st, err := g.openReader(ctx)
	if err != nil {
		return nil, ev, nil, err
	}
	pending, err := st.Pending(ctx)
	switch {
	case err != nil:
		st.Close()
		return nil, ev, nil, err
	case pending && g.mayWriteDB():
		st.Close()
		return g.openPolicyStore(ctx)
	case pending:
		g.warnf("note: some events are not evaluated yet (a scan stopped before it could evaluate them): states are as of the last evaluation, until the database owner's next scan")
	}
	return st, ev, lp, nil
}

// warnOtherPolicy warns when stored states were evaluated with another policy than the one in
// force: the user changed the policy (or forgot --policy) and should run rebound evaluate.
func (g *globalOptions) warnOtherPolicy(ctx context.Context, st *store.Store, lp *loadedPolicy) error {
	n, err := st.OtherPolicy(ctx, lp.id)
	if err != nil || n == 0 {
		return err
	}
	g.warnf("warning: %s %s evaluated with another policy than this one (%s); run 'rebound evaluate' (with the --policy you mean) to recompute them",
		plural(n, "address"), verb(n, "was", "were"), lp.id)
	return nil
}

// policyFileName is how the policy in force is named in messages.
func (g *globalOptions) policyFileName() string {
	if g.policyFile == "" {
		return policy.DefaultName
	}
	return filepath.Clean(g.policyFile) + " over " + policy.DefaultName
}
