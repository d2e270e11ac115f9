package main

import (
	"github.com/reboundhq/rebound/internal/gen"
	"github.com/spf13/cobra"
)

// generateOptions are the flags of the hidden `rebound generate`.
type generateOptions struct {
	out    string
	count  int
	format string
	from   []string
	seed   uint64
	repeat bool
	copy   bool
}

// newGenerateCmd is a developer command (hidden from help): it writes a large bounce mailbox
// made from the composed sample messages, for benchmarks (docs/performance.md).
func newGenerateCmd(g *globalOptions) *cobra.Command {
	o := &generateOptions{}
	c := &cobra.Command{
		Use:    "generate --out PATH --count N [--format maildir|mbox] [--repeat | --copy]",
		Short:  "Write a large generated bounce mailbox for benchmarks",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.out == "" {
				return usageError("--out is required")
			}
			if o.count < 1 {
				return usageError("--count must be at least 1")
			}
			if o.format != "maildir" && o.format != "mbox" {
				return usageError("unknown --format %q (want maildir or mbox)", o.format)
			}
			if o.repeat && o.copy {
				return usageError("--repeat and --copy do not go together (--copy keeps the messages as they are)")
			}
			if o.copy {
				cp, err := gen.LoadCopies(o.from...)
				if err != nil {
					return usageError("%v", err)
				}
				return cp.WriteFile(o.out, o.format, o.count)
			}
			gn, err := gen.Load(gen.Options{Seed: o.seed, Repeat: o.repeat}, o.from...)
			if err != nil {
				return usageError("%v", err)
			}
			return gn.WriteFile(o.out, o.format, o.count)
		},
	}
	f := c.Flags()
	f.StringVar(&o.out, "out", "", "`path` of the maildir or mbox file to write")
	f.IntVar(&o.count, "count", 50000, "number of `messages`")
	f.StringVar(&o.format, "format", "maildir", "output `format`: maildir or mbox")
	f.StringSliceVar(&o.from, "from", []string{"testdata/demo/maildir"}, "sample `paths`: maildirs, folders or files")
	f.Uint64Var(&o.seed, "seed", 1, "random `seed`")
	f.BoolVar(&o.repeat, "repeat", false, "recipients bounce again and again, as in a real bounce mailbox (see internal/gen)")
	f.BoolVar(&o.copy, "copy", false, "copy the --from messages as they are, each copy with a header line of its own")
	return c
}
