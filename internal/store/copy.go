package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyFirst orders the tables CopyTo writes: a table before those whose foreign keys name it;
// the others follow in name order.
var copyFirst = []string{"messages", "events", "exports", "export_changes"}

// copyRows is how many rows one INSERT of CopyTo writes.
const copyRows = 200

// TableCount is how many rows CopyTo copied of one table.
type TableCount struct {
	Table string
	Rows  int
}

// CopyTo copies every row of every table of s into dst, which must be empty (a database just
// created, or one that holds no rows but its schema): events, states, transitions, overrides,
// the export history, checkpoints, content keys, sent volumes, the per-day counts and meta,
// with their ids, so that the copy answers every command as s does. s is read in one read
// transaction (one snapshot: scans may go on), dst written in one write transaction (all or
// nothing). Both must have the same schema version (Open brings both to this binary's).
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]TableCount, error) {
	names, err := s.tables(ctx)
	if err != nil {
		return nil, err
	}
	dstNames, err := dst.tables(ctx)
	if err != nil {
		return nil, err
	}
	names = slices.DeleteFunc(names, func(n string) bool { return n == "schema_migrations" })
	slices.SortFunc(names, func(a, b string) int {
		ia, ib := slices.Index(copyFirst, a), slices.Index(copyFirst, b)
		switch {
		case ia >= 0 && ib >= 0:
			return ia - ib
		case ia >= 0:
			return -1
		case ib >= 0:
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, n := range names {
		if !slices.Contains(dstNames, n) {
			return nil, fmt.Errorf("database %s has no table %s: both databases must have the same schema", dst.path, n)
		}
	}
	var counts []TableCount
	err = s.read(ctx, "copy", func(src *txn) error {
		return dst.write(ctx, "copy", func(tx *txn) error {
			for _, n := range names {
				var rows int
				if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+n).Scan(&rows); err != nil {
					return err
				}
				if rows > 0 {
					return &Error{Kind: ErrCorrupt, Path: dst.path, Detail: "is not empty (table " + n + " has rows)",
						Hint: "db copy writes only into a new database: give --to a path or database that holds nothing yet"}
				}
			}
			for _, n := range names {
				c, err := copyTable(ctx, src, tx, n)
				if err != nil {
					return fmt.Errorf("table %s: %w", n, err)
				}
				counts = append(counts, TableCount{n, c})
			}
			return dst.db.d.afterCopy(ctx, tx)
		})
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// copyTable copies the rows of table name from src into dst: with PostgreSQL's COPY into
// PostgreSQL, copyRows per INSERT into SQLite.
func copyTable(ctx context.Context, src, dst *txn, name string) (int, error) {
	rows, err := src.QueryContext(ctx, "SELECT * FROM "+name)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	if dst.conn != nil {
		return copyFrom(ctx, rows, dst, name, cols)
	}
	one := "(" + placeholders(len(cols)) + ")"
	var batch []any
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		k := len(batch) / len(cols)
		q := "INSERT INTO " + name + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.Repeat(one+", ", k-1) + one
		if _, err := dst.ExecContext(ctx, q, batch...); err != nil {
			return err
		}
		batch = batch[:0]
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b) // text, as every column but none holds bytes
			}
		}
		batch = append(batch, vals...)
		n++
		if n%copyRows == 0 {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return n, flush()
}

// afterCopy brings the dialect's bookkeeping in line with rows inserted with their ids:
// PostgreSQL's identity columns go on after the highest id copied.
func (d *dialect) afterCopy(ctx context.Context, tx *txn) error {
	if d != postgresDialect {
		return nil
	}
	for _, t := range []string{"events", "overrides", "exports", "prunes"} {
		if _, err := tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), COALESCE((SELECT MAX(id) FROM "+t+"), 0) + 1, false)"); err != nil {
			return err
		}
	}
	return nil
}

// copyFrom writes rows (of the columns cols) into the table name of the PostgreSQL transaction
// dst with COPY, as they are read: one statement for the whole table, no parameters to bind.
func copyFrom(ctx context.Context, rows *sql.Rows, dst *txn, name string, cols []string) (int, error) {
	src := &rowSource{rows: rows, vals: make([]any, len(cols)), ptrs: make([]any, len(cols))}
	for i := range src.vals {
		src.ptrs[i] = &src.vals[i]
	}
	var n int64
	err := dst.raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: COPY needs a pgx connection, not %T", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{name}, cols, src)
		return err
	})
	return int(n), err
}

// rowSource is a pgx.CopyFromSource reading database/sql rows.
type rowSource struct {
	rows       *sql.Rows
	vals, ptrs []any
	err        error
}

func (r *rowSource) Next() bool {
	if !r.rows.Next() {
		r.err = r.rows.Err()
		return false
	}
	if r.err = r.rows.Scan(r.ptrs...); r.err != nil {
		return false
	}
	for i, v := range r.vals {
		if b, ok := v.([]byte); ok {
			r.vals[i] = string(b) // text, as every column but none holds bytes
		}
	}
	return true
}

func (r *rowSource) Values() ([]any, error) { return r.vals, nil }

func (r *rowSource) Err() error { return r.err }
