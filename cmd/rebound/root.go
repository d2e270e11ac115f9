package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// globalOptions are the flags every subcommand shares.
type globalOptions struct {
	db         string     // --db, else $REBOUND_DB, else $XDG_DATA_HOME/rebound/rebound.db
	rulesDir   string     // --rules: a folder of user rules that win over the embedded ones
	policyFile string     // --policy: a suppression policy file laid over rules/default.policy
	attrib     attribFlag // --attrib: campaign attribution file (docs/attribution.md)
	imap       imapFlags  // --password-file, --insecure-skip-verify, --imap-timeout of scan, parse, explain
	loaded     loaded     // the --rules and --policy read, once (checkConfigFiles)

	stdin          io.Reader
	stdout, stderr io.Writer
}

func newRootCmd(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "rebound",
		Short: "Analyse bounce mailboxes and produce suppression lists",
		Long: `rebound reads bounce messages (RFC 3464 DSNs, MTA text bounces, ARF complaints,
auto-replies) from maildirs, mbox files or folders, classifies every failed recipient,
keeps the results in a SQLite database, applies a suppression policy and reports.`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// Every command checks the --rules and --policy given, whether it uses them or not, so
		// that a missing or bad one is reported the same way everywhere (docs/config.md).
		PersistentPreRunE: func(*cobra.Command, []string) error { return g.checkConfigFiles() },
	}
	root.SetVersionTemplate("rebound {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&g.db, "db", "", "SQLite database `path`, or a PostgreSQL URL postgres://USER@HOST/DB (default $REBOUND_DB or $XDG_DATA_HOME/rebound/rebound.db)")
	pf.StringVar(&g.rulesDir, "rules", "", "`dir` of user rules that win over the built-in rules")
	pf.StringVar(&g.policyFile, "policy", "", "suppression policy `file` laid over the built-in one (docs/policy.md)")
	pf.Var(&g.attrib, "attrib", "campaign attribution `file`: VERP patterns and header sources (docs/attribution.md)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		// A flag whose value names a file reports what is wrong with the file, with its own hint.
		if ce := (*cliError)(nil); errors.As(err, &ce) {
			return ce
		}
		return usageError("%v", err)
	})
	root.AddCommand(
		newScanCmd(g),
		newParseCmd(g),
		newStatsCmd(g),
		newRecommendCmd(g),
		newSentCmd(g),
		newExportCmd(g),
		newShowCmd(g),
		newUnsuppressCmd(g),
		newEvaluateCmd(g),
		newPruneCmd(g),
		newExplainCmd(g),
		newRulesCmd(g),
		newGenerateCmd(g),
		newDBCmd(g),
	)
	addCompletions(root, g)
	hideGlobalFlags(root, map[string][]string{
		"rebound parse":      {"db", "policy"},
		"rebound explain":    {"db", "policy", "attrib"},
		"rebound rules":      {"db", "policy", "attrib", "rules"},
		"rebound completion": {"db", "policy", "attrib", "rules"},
	})
	return root
}

// buildRevision is the VCS revision `make build` passes with -ldflags -X, for the builds whose
// build info has none (GOFLAGS=-buildvcs=false, a git worktree that go build does not stamp):
// "git describe --always --dirty" output.
var buildRevision string

// version is what --version prints: the module version from the build info ("devel" for a
// local build), the VCS revision, its time and whether the tree was modified, and the Go
// version.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (no build information)"
	}
	return versionString(bi, buildRevision)
}

// versionString formats the build information bi: "v1.2.0 (commit 0123456789ab, 2026-03-01T08:00:00Z,
// modified; go1.26.8)". fallback is a revision to show when bi has none.
func versionString(bi *debug.BuildInfo, fallback string) string {
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var parts []string
	switch {
	case rev != "":
		parts = append(parts, "commit "+rev[:min(12, len(rev))])
		if when != "" {
			parts = append(parts, when)
		}
		if modified {
			parts = append(parts, "modified")
		}
	case fallback != "":
		parts = append(parts, "commit "+fallback)
	case v == "devel":
		parts = append(parts, "no commit recorded: build with 'make build', or go build in a git clone")
	}
	info := strings.Join(parts, ", ")
	if bi.GoVersion != "" {
		if info != "" {
			info += "; "
		}
		info += bi.GoVersion
	}
	if info == "" {
		return v
	}
	return v + " (" + info + ")"
}

// dbPath resolves the database location: --db, $REBOUND_DB, $XDG_DATA_HOME/rebound/rebound.db,
// ~/.local/share/rebound/rebound.db; an error (exit status 2) when there is no home directory.
func (g *globalOptions) dbPath() (string, error) {
	if g.db != "" {
		return g.db, nil
	}
	if p := os.Getenv("REBOUND_DB"); p != "" {
		return p, nil
	}
	// The XDG Base Directory Specification: a relative $XDG_DATA_HOME is invalid and ignored.
	base := os.Getenv("XDG_DATA_HOME")
	if !filepath.IsAbs(base) {
		// Never a path relative to the current directory (cron's, a service's): a
		// database there would be another one at each run.
		home, err := os.UserHomeDir()
		if err != nil || !filepath.IsAbs(home) {
			return "", withHint(exitUsage, errors.New("cannot find a home directory"),
				"give --db PATH or set $REBOUND_DB")
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "rebound", "rebound.db"), nil
}
