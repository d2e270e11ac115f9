package main

import "github.com/spf13/cobra"

// newExportCmd is replaced by the policy issue's export command.
func newExportCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{Use: "export", Hidden: true}
}
