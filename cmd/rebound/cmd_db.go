package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/reboundhq/rebound/internal/store"
	"github.com/spf13/cobra"
)

// dbCopyOptions are the flags of `rebound db copy`.
type dbCopyOptions struct {
	from, to string
}

func newDBCmd(g *globalOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "db",
		Short: "Work on whole databases (copy between SQLite and PostgreSQL)",
		Args:  cobra.NoArgs,
	}
	o := &dbCopyOptions{}
	cp := &cobra.Command{
		Use:   "copy --from OLD --to NEW",
		Short: "Copy a database into a new one: SQLite into PostgreSQL, or back",
		Long: `copy copies every row of the database OLD (a SQLite file or a PostgreSQL URL) into NEW,
which is created (a SQLite file) or must be empty (a PostgreSQL database: docs/postgres.md):
events, states, transitions, overrides, export history, checkpoints, content keys, sent volumes
and the per-day counts, so that NEW answers every command as OLD did. OLD is read as one
snapshot (scans may go on, but what they store after it is not copied); NEW is written in one
transaction, all or nothing. OLD is upgraded to this binary's schema first, if needed.`,
		Example: `  rebound db copy --from ~/.local/share/rebound/rebound.db --to postgres://rebound@db.example.com/rebound
  rebound db copy --from postgres://rebound@db.example.com/rebound --to /var/backups/rebound.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDBCopy(cmd.Context(), g, o)
		},
	}
	cp.Flags().StringVar(&o.from, "from", "", "the database to copy: a SQLite `path` or a PostgreSQL URL")
	cp.Flags().StringVar(&o.to, "to", "", "the new database: a SQLite `path` (created) or an empty PostgreSQL database")
	c.AddCommand(cp)
	return c
}

func runDBCopy(ctx context.Context, g *globalOptions, o *dbCopyOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.from == "" || o.to == "" {
		return usageError("db copy needs both --from OLD and --to NEW")
	}
	if o.from == o.to {
		return usageError("db copy: --from and --to name the same database")
	}
	src, err := store.Open(o.from, store.Existing())
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.Open(o.to)
	if err != nil {
		return err
	}
	defer dst.Close()
	counts, err := src.CopyTo(ctx, dst)
	if err != nil {
		return err
	}
	var parts []string
	for _, c := range counts {
		parts = append(parts, fmt.Sprintf("%s %d", c.Table, c.Rows))
	}
	fmt.Fprintf(g.stdout, "copied %s to %s: %s\n", src.Path(), dst.Path(), strings.Join(parts, ", "))
	return nil
}
