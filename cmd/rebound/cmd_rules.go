package main

import (
	"fmt"

	"github.com/reboundhq/rebound/internal/classify"
	"github.com/spf13/cobra"
)

func newRulesCmd(g *globalOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "rules",
		Short: "Work with classification rules (see docs/rules.md)",
	}
	c.AddCommand(&cobra.Command{
		Use:   "check DIR",
		Short: "Validate a folder of user rules; errors are printed as file:line: message",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRulesCheck(g, args[0])
		},
	})
	return c
}

func runRulesCheck(g *globalOptions, dir string) error {
	errs, notes := classify.Check(dir)
	for _, e := range errs {
		fmt.Fprintf(g.stderr, "%v\n", e)
	}
	for _, n := range notes {
		fmt.Fprintf(g.stderr, "note: %v\n", n)
	}
	if len(errs) > 0 {
		return usageError("%s: %s in the rules", dir, plural(len(errs), "problem"))
	}
	cl, err := classify.LoadDir(dir)
	if err != nil {
		return usageError("%v", err)
	}
	fmt.Fprintf(g.stdout, "%s: ok, %s in effect with the built-in ones\n", dir, plural(cl.RuleCount(), "rule"))
	return nil
}
