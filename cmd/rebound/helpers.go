package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"

	"github.com/olekukonko/tablewriter"
	"github.com/reboundhq/rebound/internal/attrib"
	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/mailbox"
	"github.com/reboundhq/rebound/internal/store"
)

// classifier loads the built-in rules and, with --rules, the user's rules on top.
func (g *globalOptions) classifier() (*classify.Classifier, error) {
	if g.rulesDir == "" {
		return classify.Default()
	}
	cl, err := classify.LoadDir(g.rulesDir)
	if err != nil {
		return nil, withHint(exitUsage, err, "check the rules with 'rebound rules check "+g.rulesDir+"'")
	}
	return cl, nil
}

// attributor finds campaigns and sending domains (docs/attribution.md).
func (g *globalOptions) attributor() *attrib.Config {
	return attrib.DefaultConfig()
}

// skipper is what scan uses to skip messages the database already has.
type skipper interface {
	Known(keys []string) (map[string]bool, error)
	Resume(path string) (mailbox.Checkpoint, bool)
}

// source returns the message source for paths. With a skipper, known maildir messages and
// already-read parts of mbox files are not read again. Paths are made absolute so that mbox
// keys do not depend on the working directory.
func (g *globalOptions) source(paths []string, sk skipper) func(yield func(mailbox.Message) error) error {
	opt := mailbox.Options{Stdin: g.stdin}
	if sk != nil {
		opt.Known = sk.Known
		opt.Resume = sk.Resume
		abs := make([]string, len(paths))
		for i, p := range paths {
			abs[i] = p
			if p != "-" {
				if a, err := filepath.Abs(p); err == nil {
					abs[i] = a
				}
			}
		}
		paths = abs
	}
	return func(yield func(mailbox.Message) error) error {
		return mailbox.Walk(paths, opt, yield)
	}
}

// openStore opens (creating if needed) the database.
func (g *globalOptions) openStore(ctx context.Context) (*store.Store, error) {
	return store.Open(g.dbPath())
}

// storeExit maps database errors to their exit status and hint.
func storeExit(err error) (code int, hint string, ok bool) {
	var se *store.Error
	if errors.As(err, &se) {
		return exitDatabase, se.Hint, true
	}
	return 0, "", false
}

// renderTable prints rows under header as a plain table.
func renderTable(w io.Writer, header []string, rows [][]string) {
	t := tablewriter.NewTable(w)
	t.Header(header)
	for _, r := range rows {
		_ = t.Append(r)
	}
	_ = t.Render()
}
