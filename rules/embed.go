// Package rules holds rebound's default classification rules and provider table as data,
// embedded in the binary. The format and the order of decision are described in
// docs/rules.md; users add their own files with --rules DIR.
package rules

import "embed"

// FS holds every *.rules and *.providers file of this directory.
//
//go:embed *.rules *.providers
var FS embed.FS
