package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"sync"
)

// A dialect is the SQL spoken by one backend. The queries in queries/ are written once, in the
// common subset (doc.go, "Portability"), with "?" parameters; a backend that needs another
// text for one of them has its own file of the same name in queries/DIALECT/. Migrations sit side
// by side: NNNN_name.sql is the schema change for every backend, unless NNNN_name.DIALECT.sql
// replaces it for one (migrations, store.go).
//
// The store's code names queries (query, listQuery) and runs them on a dbh or a txn, which
// translate the text into their dialect: the code above them is the same for every backend.
type dialect struct {
	name string // "sqlite" or "postgres": the suffix of its migrations, the folder of its queries
	// dollar rewrites "?" parameters as $1, $2, ... (PostgreSQL).
	dollar bool
	// overrides maps the text of a query in queries/ to the dialect's own text of it.
	overrides map[string]string
	cache     sync.Map       // query text -> translated text
	readTx    *sql.TxOptions // of read transactions (Store.read)
	// lockWrites is run first in every write transaction (Store.write) to make the backend's
	// writers take turns; SQLite needs none: its write transactions begin IMMEDIATE.
	lockWrites string
	// bulkSave has SaveBatch write with multi-row statements (save_bulk.go), not row by row, and
	// CopyTo write with COPY (copy.go); its transactions hold their connection (txn.raw).
	bulkSave bool
	// lastInsertID has the row-by-row SaveBatch take an event's id from LastInsertId
	// (insert_event_rowid) instead of RETURNING (insert_event), which PostgreSQL needs and which
	// costs SQLite a statement journal per insert.
	lastInsertID bool
	// oneWriter has every write transaction of a Store run on one connection, kept for them
	// (Store.beginWrite), so that its page cache stays warm from one write to the next.
	oneWriter bool
}

var (
	sqliteDialect = &dialect{name: "sqlite", readTx: &sql.TxOptions{ReadOnly: true}, lastInsertID: true,
		oneWriter: true}
	// PostgreSQL reads a consistent snapshot in a read transaction only at REPEATABLE READ
	// (SQLite's read transactions always do).
	postgresDialect = &dialect{name: "postgres", dollar: true, overrides: overridesOf("postgres"),
		readTx:     &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
		lockWrites: dialectQuery("postgres", "lock_writes"), bulkSave: true}
)

// overridesOf reads queries/NAME/*.sql into a map from the common text to the dialect's.
func overridesOf(name string) map[string]string {
	m := map[string]string{}
	entries, _ := fs.ReadDir(queryFS, "queries/"+name)
	for _, e := range entries {
		b, err := queryFS.ReadFile("queries/" + name + "/" + e.Name())
		if err != nil {
			panic(err)
		}
		common, err := queryFS.ReadFile("queries/" + e.Name())
		if err != nil {
			// A query of this dialect only (dialectQuery).
			continue
		}
		m[string(common)] = string(b)
	}
	return m
}

// dialectQuery returns the text of queries/DIALECT/NAME.sql, a query only that dialect has.
func dialectQuery(dialect, name string) string {
	b, err := queryFS.ReadFile("queries/" + dialect + "/" + name + ".sql")
	if err != nil {
		panic("store: no query " + dialect + "/" + name)
	}
	return string(b)
}

// sql translates a query's text into the dialect.
func (d *dialect) sql(text string) string {
	if !d.dollar && d.overrides == nil {
		return text
	}
	if t, ok := d.cache.Load(text); ok {
		return t.(string)
	}
	t := text
	if o, ok := d.overrides[text]; ok {
		t = o
	}
	if d.dollar {
		t = dollarParams(t)
	}
	if len(text) < 4096 {
		// A few hundred texts: the queries, and lists of up to maxParams. The multi-row
		// statements of save_bulk.go, of every length up to bulkRows rows, are not kept.
		d.cache.Store(text, t)
	}
	return t
}

// dollarParams rewrites the "?" parameters of a query as $1, $2, ... and "?NNN" as $NNN, leaving
// string literals, quoted names and comments alone.
func dollarParams(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+2])
			i += j + 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '?' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			b.WriteByte('$') // ?NNN, numbered: $NNN
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// dbh is the database handle of a Store: database/sql's, with the queries translated into the
// backend's dialect.
type dbh struct {
	*sql.DB
	d *dialect
}

func (h dbh) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return h.DB.QueryContext(ctx, h.d.sql(q), args...)
}

func (h dbh) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return h.DB.QueryRowContext(ctx, h.d.sql(q), args...)
}

func (h dbh) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return h.DB.ExecContext(ctx, h.d.sql(q), args...)
}

// Query, QueryRow and Exec translate like their Context forms (for tests).
func (h dbh) Query(q string, args ...any) (*sql.Rows, error) {
	return h.QueryContext(context.Background(), q, args...)
}

func (h dbh) QueryRow(q string, args ...any) *sql.Row {
	return h.QueryRowContext(context.Background(), q, args...)
}

func (h dbh) Exec(q string, args ...any) (sql.Result, error) {
	return h.ExecContext(context.Background(), q, args...)
}

func (h dbh) BeginTx(ctx context.Context, opts *sql.TxOptions) (*txn, error) {
	if !h.d.bulkSave {
		tx, err := h.DB.BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		return &txn{Tx: tx, d: h.d}, nil
	}
	// The transaction's own connection, for the driver's bulk operations (txn.raw).
	conn, err := h.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &txn{Tx: tx, d: h.d, conn: conn}, nil
}

// txn is a transaction of a Store, with the queries translated like dbh's.
type txn struct {
	*sql.Tx
	d    *dialect
	conn *sql.Conn // the connection the transaction runs on (PostgreSQL), nil for SQLite
	// wconn is the Store's write connection a SQLite write transaction runs on (beginWrite),
	// for raw: it stays open when the transaction ends.
	wconn *sql.Conn
}

// Commit and Rollback end the transaction and give its connection back to the pool.
func (t *txn) Commit() error {
	defer t.release()
	return t.Tx.Commit()
}

func (t *txn) Rollback() error {
	defer t.release()
	return t.Tx.Rollback()
}

func (t *txn) release() {
	if t.conn != nil {
		t.conn.Close()
	}
}

// raw calls fn with the driver's connection of the transaction (a *stdlib.Conn of pgx on
// PostgreSQL; modernc.org/sqlite's in a SQLite write transaction), between two statements of
// the transaction: what fn runs on it is part of the transaction.
func (t *txn) raw(fn func(driverConn any) error) error {
	switch {
	case t.conn != nil:
		return t.conn.Raw(fn)
	case t.wconn != nil:
		return t.wconn.Raw(fn)
	}
	return errors.New("store: no driver connection")
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.d.sql(q), args...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.d.sql(q), args...)
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.d.sql(q), args...)
}

func (t *txn) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.Tx.PrepareContext(ctx, t.d.sql(q))
}

// secureDelete has the rows the transaction deletes overwritten with zeros, not left readable in
// free pages: SQLite's secure_delete, like the PRAGMAs of the connection string (it stays on for
// the connection). PostgreSQL has no such setting: dead rows stay in the table's files until
// VACUUM reuses their space (VACUUM FULL after pseudonymise: compact; docs/postgres.md).
func (t *txn) secureDelete(ctx context.Context) error {
	if t.d != sqliteDialect {
		return nil
	}
	_, err := t.ExecContext(ctx, "PRAGMA secure_delete = ON")
	return err
}
