package main

import (
	"fmt"

	"github.com/reboundhq/rebound/internal/report"
	"github.com/spf13/pflag"
)

// failOnFlag is --fail-on of recommend and stats: exit with exitAlert when a finding at or
// above the level exists for the period.
type failOnFlag struct{ value string }

func (f *failOnFlag) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.value, "fail-on", "", "exit with status 5 when a finding at or above this `level` exists: warning or critical")
}

// level returns the level asked for ("" without --fail-on).
func (f *failOnFlag) level() (report.Severity, error) {
	if f.value == "" {
		return "", nil
	}
	l, err := report.ParseFailLevel(f.value)
	if err != nil {
		return "", withHint(exitUsage, fmt.Errorf("--fail-on: %v", err), "--fail-on warning also fails on critical findings")
	}
	return l, nil
}

// check returns the alert error when fs has a finding at or above level, after the output was
// written: the findings are on stdout, and stderr says why the status is not 0.
func (f *failOnFlag) check(level report.Severity, fs []report.Finding) error {
	if level == "" {
		return nil
	}
	if a := report.AlertOn(fs, level); a.Raised() {
		return &cliError{code: exitAlert, err: fmt.Errorf("--fail-on %s: %s", level, a)}
	}
	return nil
}
