package main

import (
	"strings"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/export"
	"github.com/reboundhq/rebound/internal/report"
	"github.com/spf13/cobra"
)

// Shell completion of the flags that take one of a few values: cobra's completion scripts
// (rebound completion bash|zsh|fish|powershell) offer these values instead of file names.

// completeValues offers values for a flag. A comma-separated flag (list) completes its last
// item: "suppressed,pa" offers "suppressed,paused".
func completeValues(values func() []string, list bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		prefix, last := "", toComplete
		if i := strings.LastIndexByte(toComplete, ','); list && i >= 0 {
			prefix, last = toComplete[:i+1], toComplete[i+1:]
		}
		var out []string
		for _, v := range values() {
			if strings.HasPrefix(v, last) && !strings.Contains(","+prefix, ","+v+",") {
				out = append(out, prefix+v)
			}
		}
		directive := cobra.ShellCompDirectiveNoFileComp
		if list {
			directive |= cobra.ShellCompDirectiveNoSpace
		}
		return out, directive
	}
}

// registerCompletions adds the value completions of c's enumerated flags that exist.
func registerCompletions(c *cobra.Command, g *globalOptions, flags map[string][]string) {
	for name, values := range flags {
		if c.Flags().Lookup(name) == nil {
			continue
		}
		vs := values
		_ = c.RegisterFlagCompletionFunc(name, completeValues(func() []string { return vs }, isListFlag(c, name)))
	}
	if c.Flags().Lookup("provider") != nil {
		_ = c.RegisterFlagCompletionFunc("provider", completeValues(func() []string {
			ids, _ := g.providerIDs()
			return ids
		}, isListFlag(c, "provider")))
	}
}

// isListFlag reports whether a flag takes comma-separated values.
func isListFlag(c *cobra.Command, name string) bool {
	return strings.HasSuffix(c.Flags().Lookup(name).Value.Type(), "Slice")
}

// The values of the enumerated flags.
func exportFormats() []string {
	out := make([]string, len(export.Formats))
	for i, f := range export.Formats {
		out[i] = string(f)
	}
	return out
}

func typeNames() []string {
	out := make([]string, len(bounce.Types))
	for i, t := range bounce.Types {
		out[i] = string(t)
	}
	return out
}

// addCompletions registers the completions of every command with enumerated flags.
func addCompletions(root *cobra.Command, g *globalOptions) {
	for _, c := range root.Commands() {
		switch c.Name() {
		case "stats":
			registerCompletions(c, g, map[string][]string{"by": append(append([]string{}, report.ByValues...), byAll), "format": {"table", "json", "csv", "markdown", formatPrometheus}, "fail-on": {"critical", "warning"}})
		case "recommend":
			registerCompletions(c, g, map[string][]string{"format": {"text", "table", "markdown", "csv", "json"}, "fail-on": {"critical", "warning"}})
		case "parse":
			registerCompletions(c, g, map[string][]string{"format": {"jsonl", "table"}, "include": includeKinds})
		case "generate":
			registerCompletions(c, g, map[string][]string{"format": {"maildir", "mbox"}})
		case "export":
			registerCompletions(c, g, map[string][]string{"format": exportFormats(),
				"state": {"suppressed", "paused", "review"}, "type": typeNames()})
		case "sent":
			for _, sub := range c.Commands() {
				registerCompletions(sub, g, map[string][]string{"format": {"table", "csv", "json"}})
			}
		}
	}
}
