package store

import (
	"context"
	"database/sql"
	"iter"

	"github.com/reboundhq/rebound/internal/bounce"
)

// This file is the store's typed transaction. Store.Read runs a function with a Tx on one
// snapshot of the database; Store.Write runs it under the database's write lock, all or nothing.
// Tx's methods are the store's operations, to be composed in one transaction; the Store's
// methods of the same names are each one transaction of one of them. Streamed reads are
// iterators (iter.Seq2): the query stays open while the loop runs and closes when it ends,
// early or not.

// Tx is a transaction of a Store. It is valid only inside the function Read or Write gave it
// to, and not safe for concurrent use. The database errors of its methods are *Error or name
// the database and the operation, as the Store's do. While the loop over one of its iterators
// runs, its query is open: the loop must not call the Tx's other methods (a PostgreSQL
// connection runs one query at a time).
type Tx struct {
	ctx context.Context
	s   *Store
	tx  *txn
	// committed are run once the write transaction committed, aborted once it was rolled back
	// (Store.Write).
	committed, aborted []func()
}

// Read runs fn in a read transaction: one snapshot of the database, no write lock. fn's own
// errors come back unchanged.
func (s *Store) Read(ctx context.Context, op string, fn func(*Tx) error) error {
	tx, err := s.db.BeginTx(ctx, s.db.d.readTx)
	if err != nil {
		return classify(s.path, op, err)
	}
	defer tx.Rollback()
	return fn(&Tx{ctx: ctx, s: s, tx: tx})
}

// read runs fn, which reads with the transaction's SQL, in a read transaction; its errors are
// classified as op's.
func (s *Store) read(ctx context.Context, op string, fn func(*txn) error) error {
	return s.Read(ctx, op, func(tx *Tx) error { return classify(s.path, op, fn(tx.tx)) })
}

// Write runs fn in a write transaction and commits it when fn returns nil; fn's own errors
// come back unchanged, and roll it back. Write transactions of all processes run one at a time:
// SQLite's BEGIN IMMEDIATE takes the database's write lock up front, and PostgreSQL's take the
// advisory lock of lock_writes first thing (doc.go, "Crash safety and concurrency").
func (s *Store) Write(ctx context.Context, op string, fn func(*Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return classify(s.path, op, err)
	}
	if s.db.d.lockWrites != "" {
		if _, err := tx.ExecContext(ctx, s.db.d.lockWrites); err != nil {
			tx.Rollback()
			return classify(s.path, op, err)
		}
	}
	t := &Tx{ctx: ctx, s: s, tx: tx}
	if err := fn(t); err != nil {
		tx.Rollback()
		t.run(t.aborted)
		return err
	}
	if err := tx.Commit(); err != nil {
		t.run(t.aborted)
		return classify(s.path, op, err)
	}
	t.run(t.committed)
	return nil
}

// beginWrite begins a write transaction; the caller holds wmu. On SQLite, every write
// transaction of the Store runs on one connection, kept for them: a connection's page cache
// holds until another connection writes, and write transactions that took whichever
// connection of the pool was free (a scan's key lookups take one meanwhile) began by dropping
// their cache and read again the pages the write before had just read. A connection that
// fails to begin one is let go; the next write takes another.
func (s *Store) beginWrite(ctx context.Context) (*txn, error) {
	if !s.db.d.oneWriter { // PostgreSQL: a connection of the pool per transaction
		return s.db.BeginTx(ctx, nil)
	}
	if s.wconn == nil {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		s.wconn = c
	}
	tx, err := s.wconn.BeginTx(ctx, nil)
	if err != nil {
		s.wconn.Close()
		s.wconn = nil
		return nil, err
	}
	return &txn{Tx: tx, d: s.db.d, wconn: s.wconn}, nil
}

func (t *Tx) run(fns []func()) {
	for _, f := range fns {
		f()
	}
}

// write runs fn, which writes with the transaction's SQL, in a write transaction; its errors
// are classified as op's.
func (s *Store) write(ctx context.Context, op string, fn func(*txn) error) error {
	return s.Write(ctx, op, func(tx *Tx) error { return classify(s.path, op, fn(tx.tx)) })
}

// rows runs a query in the transaction and yields each row scanned by scan, while the query is
// open; errors are classified as op's, and end the loop.
func rows[T any](tx *Tx, op string, scan func(*sql.Rows) (T, error), text string, args ...any) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		rs, err := tx.tx.QueryContext(tx.ctx, text, args...)
		if err != nil {
			yield(zero, classify(tx.s.path, op, err))
			return
		}
		defer rs.Close()
		for rs.Next() {
			v, err := scan(rs)
			if err != nil {
				yield(zero, classify(tx.s.path, op, err))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := rs.Err(); err != nil {
			yield(zero, classify(tx.s.path, op, err))
		}
	}
}

// Collect gathers what one of the Tx's iterators yields into a slice, up to its first error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// readAll runs one streamed read of a Tx in a read transaction of its own and collects it.
func readAll[T any](s *Store, ctx context.Context, op string, seq func(*Tx) iter.Seq2[T, error]) ([]T, error) {
	var out []T
	err := s.Read(ctx, op, func(tx *Tx) error {
		var err error
		out, err = Collect(seq(tx))
		return err
	})
	return out, err
}

// Events yields the events of an address (every stored spelling of it), oldest first with those
// of unknown time before the others, with ID, Key, Idx and Position set. Only evaluated events
// are mapped to their address: call EvaluatePending first.
func (tx *Tx) Events(addr string) iter.Seq2[bounce.Event, error] {
	return rows(tx, "read events", scanEvent, query("policy_events_of"), addr)
}

// RecipientEvents yields the events of one recipient (compared in NormalizeRecipient form),
// oldest first with those of unknown time before the others, with ID, Key, Idx and Position set.
func (tx *Tx) RecipientEvents(recipient string) iter.Seq2[bounce.Event, error] {
	return rows(tx, "read events", scanEvent, query("events_for"), NormalizeRecipient(recipient))
}

// EventsOf returns the events of an address, as Tx.Events yields them.
func (s *Store) EventsOf(ctx context.Context, addr string) ([]bounce.Event, error) {
	return readAll(s, ctx, "read events", func(tx *Tx) iter.Seq2[bounce.Event, error] { return tx.Events(addr) })
}

// EventsFor returns the events of one recipient, as Tx.RecipientEvents yields them.
func (s *Store) EventsFor(ctx context.Context, recipient string) ([]bounce.Event, error) {
	return readAll(s, ctx, "read events", func(tx *Tx) iter.Seq2[bounce.Event, error] { return tx.RecipientEvents(recipient) })
}
