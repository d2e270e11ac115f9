package main

import "github.com/spf13/cobra"

func newStatsCmd(g *globalOptions) *cobra.Command { return &cobra.Command{Use: "stats", Hidden: true} }
func newExportCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{Use: "export", Hidden: true}
}
