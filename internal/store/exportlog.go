package store

import (
	"context"
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

// ExportChanges returns the export history of an address, oldest first.
func (s *Store) ExportChanges(ctx context.Context, addr string) ([]ExportChange, error) {
	rows, err := s.db.QueryContext(ctx, query("policy_export_changes_of"), addr)
	if err != nil {
		return nil, classify(s.path, "read export history", err)
	}
	defer rows.Close()
	var out []ExportChange
	for rows.Next() {
		var c ExportChange
		var at int64
		if err := rows.Scan(&c.ExportID, &at, &c.Target, &c.Kind); err != nil {
			return nil, classify(s.path, "read export history", err)
		}
		c.At = time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	return out, classify(s.path, "read export history", rows.Err())
}
