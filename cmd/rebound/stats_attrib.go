package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/reboundhq/rebound/internal/attrib"
)

// attribFlag is --attrib: a campaign attribution file (docs/attribution.md) of VERP patterns and
// header sources. It is read when the flag is parsed, so that a mistake in it is a usage error
// naming the file and the line before anything is scanned.
type attribFlag struct {
	path string
	cfg  *attrib.Config // nil without --attrib: attrib.DefaultConfig applies
}

func (f *attribFlag) String() string { return f.path }

func (f *attribFlag) Type() string { return "file" }

func (f *attribFlag) Set(path string) error {
	r, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return withHint(exitUsage, fmt.Errorf("attribution file %s does not exist", path), "check the path given with --attrib")
	} else if err != nil {
		return withHint(exitUsage, fmt.Errorf("attribution file: %w", err), "check the path given with --attrib")
	}
	defer r.Close()
	cfg, err := attrib.ParseConfig(r, path)
	if err != nil {
		return withHint(exitUsage, errors.New(problemLines(err)), "the format of the file is in docs/attribution.md")
	}
	f.path, f.cfg = path, cfg
	return nil
}

// config returns the attribution configuration in force.
func (f *attribFlag) config() *attrib.Config {
	if f.cfg == nil {
		return attrib.DefaultConfig()
	}
	return f.cfg
}
