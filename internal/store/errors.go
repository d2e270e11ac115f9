package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Kinds of database errors, for errors.Is. The CLI maps all of them to its "database cannot be
// used" exit status.
var (
	ErrNewerSchema = errors.New("database schema is newer than this binary")
	ErrCorrupt     = errors.New("database is corrupt or not a rebound database")
	ErrReadOnly    = errors.New("database is read-only")
	ErrDiskFull    = errors.New("disk full")
	ErrBusy        = errors.New("database is busy")
	ErrNotExist    = errors.New("database does not exist")
	ErrOldSchema   = errors.New("database schema needs upgrading") // found by a read-only open
)

// Error is a database problem the user has to act on. Its text is
// "database PATH DETAIL[: CAUSE]; hint: HINT".
type Error struct {
	Kind   error  // one of the Err* values above
	Path   string // the database file
	Detail string // what is wrong, e.g. "is not a sqlite database"
	Hint   string // what to do about it
	Err    error  // the underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("database ")
	b.WriteString(e.Path)
	b.WriteString(" ")
	b.WriteString(e.Detail)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString("; hint: ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the kind and the cause, so errors.Is works with both.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// HintNotExist is the hint of ErrNotExist.
const HintNotExist = "only 'rebound scan' creates a database: run it first, or check the path (--db, $REBOUND_DB)"

// Hints shared by several errors.
const (
	hintCorrupt  = "the file is damaged or is not a rebound database: restore it from a backup first; moved aside instead, the next 'rebound scan' starts an empty one, without the suppression history; or pick another with --db"
	hintReadOnly = "make the file and its folder writable by this user, or pick another path with --db"
	// hintCannotRead is the hint of a database this user may not read.
	hintCannotRead = "ask the database's owner to let you read it (docs/operations.md, \"Sharing a database\"), or pick another path with --db"
)

func newerSchemaError(path string, have, know int) *Error {
	return &Error{Kind: ErrNewerSchema, Path: path,
		Detail: fmt.Sprintf("was written by a newer rebound (schema %d, this binary knows %d)", have, know),
		Hint:   "upgrade rebound"}
}

// classify turns an error from SQLite or the file system into an *Error when it makes the
// database unusable, and otherwise wraps it with the operation and path. A nil error stays nil.
func classify(path, op string, err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	cause := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		cause = pe.Err // the path is the database's, or its folder's, already in the text
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return &Error{Kind: ErrCorrupt, Path: path, Detail: "is corrupt or not a sqlite database", Err: err, Hint: hintCorrupt}
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN:
			if detail, hint, ok := accessProblem(path, true); ok {
				return &Error{Kind: ErrReadOnly, Path: path, Detail: detail, Hint: hint}
			}
			return &Error{Kind: ErrReadOnly, Path: path, Detail: "cannot be written", Err: err, Hint: hintReadOnly}
		case sqlite3.SQLITE_FULL:
			return &Error{Kind: ErrDiskFull, Path: path, Detail: "cannot grow, the disk is full", Err: err,
				Hint: "free some space on the disk that holds the database, or pick another path with --db"}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &Error{Kind: ErrBusy, Path: path, Detail: "stayed locked by another process", Err: err,
				Hint: "another rebound is probably writing to it; wait for it to finish, or raise the busy timeout"}
		}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "55P03", "40P01": // lock_not_available (lock_timeout), deadlock_detected
			return &Error{Kind: ErrBusy, Path: path, Detail: "stayed locked by another process", Err: err,
				Hint: "another rebound is probably writing to it; wait for it to finish, or raise the busy timeout"}
		case "53100": // disk_full
			return &Error{Kind: ErrDiskFull, Path: path, Detail: "cannot grow, the server's disk is full", Err: err,
				Hint: "free some space on the database server"}
		case "25006", "42501": // read_only_sql_transaction, insufficient_privilege
			return &Error{Kind: ErrReadOnly, Path: path, Detail: "cannot be written", Err: err,
				Hint: "grant the role the rights docs/postgres.md lists"}
		}
	}
	switch {
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return &Error{Kind: ErrReadOnly, Path: path, Detail: "cannot be written", Err: cause, Hint: hintReadOnly}
	case errors.Is(err, syscall.ENOSPC):
		return &Error{Kind: ErrDiskFull, Path: path, Detail: "cannot grow, the disk is full", Err: cause,
			Hint: "free some space on the disk that holds the database, or pick another path with --db"}
	}
	return fmt.Errorf("database %s: %s: %w", path, op, err)
}
