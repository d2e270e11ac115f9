package main

import "github.com/spf13/cobra"

// newStatsCmd is replaced by the KPI issue's stats command.
func newStatsCmd(g *globalOptions) *cobra.Command { return &cobra.Command{Use: "stats", Hidden: true} }
