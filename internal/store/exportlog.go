package store

import (
	"context"
	"database/sql"
	"iter"
	"time"
)

// This file reads the export history of an address (table export_changes, migration 0002).

// ExportChange is one entry of an address's export history.
type ExportChange struct {
	ExportID int64
	At       time.Time
	Target   string
	Kind     string // new, changed, left
}

// ExportChanges yields the export history of an address, oldest first.
func (tx *Tx) ExportChanges(addr string) iter.Seq2[ExportChange, error] {
	return rows(tx, "read export history", func(rows *sql.Rows) (ExportChange, error) {
		var c ExportChange
		var at int64
		err := rows.Scan(&c.ExportID, &at, &c.Target, &c.Kind)
		c.At = time.Unix(at, 0).UTC()
		return c, err
	}, query("policy_export_changes_of"), addr)
}

// ExportChanges returns the export history of an address, oldest first (Tx.ExportChanges).
func (s *Store) ExportChanges(ctx context.Context, addr string) ([]ExportChange, error) {
	return readAll(s, ctx, "read export history", func(tx *Tx) iter.Seq2[ExportChange, error] { return tx.ExportChanges(addr) })
}
