package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/reboundhq/rebound/internal/classify"
	"github.com/spf13/cobra"
)

func newRulesCmd(g *globalOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "rules",
		Short: "Work with classification rules (see docs/rules.md)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageError("rules needs a subcommand: check")
		},
	}
	c.AddCommand(&cobra.Command{
		Use:   "check DIR",
		Short: "Validate a folder of user rules; errors are printed as file:line: message",
		Example: `  rebound rules check /etc/rebound/rules
  rebound --rules /etc/rebound/rules explain bounce.eml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRulesCheck(g, args[0])
		},
	})
	return c
}

func runRulesCheck(g *globalOptions, dir string) error {
	if err := checkRulesDir(dir); err != nil {
		return err
	}
	errs, notes := classify.Check(dir)
	for _, e := range errs {
		g.warnf("%v", e)
	}
	for _, n := range notes {
		g.warnf("note: %v", n)
	}
	if len(errs) > 0 {
		return withHint(exitUsage, fmt.Errorf("%s: %s in the rules", dir, plural(len(errs), "problem")),
			"each line above names the file and line; the format is in docs/config.md")
	}
	cl, err := classify.LoadDir(dir)
	if err != nil {
		return withHint(exitUsage, errors.New(strings.ReplaceAll(strings.TrimRight(err.Error(), "\n"), "\n", "\nrebound: ")),
			"the format is in docs/config.md")
	}
	fmt.Fprintf(g.stdout, "%s: ok, %s in effect with the built-in ones\n", dir, plural(cl.RuleCount(), "rule"))
	return nil
}
