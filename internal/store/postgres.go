package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL is the second backend (docs/postgres.md): many hosts scanning into one database.
// It is reached through pgx's database/sql adapter, so that the store's code is the same for
// both backends; the SQL differs only where queries/postgres/ and the *.postgres.sql migrations
// say so.

// IsPostgres reports whether the --db value s names a PostgreSQL database rather than a SQLite
// file: a postgres:// or postgresql:// URL, or a "host=... dbname=..." keyword/value string.
func IsPostgres(s string) bool {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		return true
	}
	return keywordValue.MatchString(s)
}

// keywordValue matches a libpq keyword/value connection string: it starts with one of the
// keywords that name a server or a database.
var keywordValue = regexp.MustCompile(`^\s*(host|hostaddr|dbname|user|port|service|sslmode)\s*=`)

// passwordValue matches the password of a keyword/value connection string.
var passwordValue = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// Redact returns the --db value s as it may be shown: a PostgreSQL connection string with its
// password replaced by xxxxx (postgres://user:xxxxx@host/db); a SQLite path unchanged.
func Redact(s string) string {
	if !IsPostgres(s) {
		return s
	}
	if !strings.Contains(s, "://") {
		return passwordValue.ReplaceAllString(s, "${1}xxxxx")
	}
	u, err := url.Parse(s)
	if err != nil {
		// An unparseable URL may hold a password anywhere: show only the scheme.
		return s[:strings.Index(s, "://")+3] + "..."
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// openPostgres opens the PostgreSQL database named by the connection string conn.
func openPostgres(conn string, o options) (*Store, error) {
	shown := Redact(conn)
	cfg, err := pgx.ParseConfig(conn)
	if err != nil {
		return nil, &Error{Kind: ErrNotExist, Path: shown, Detail: "is not a valid connection string",
			Err: errors.New(redactIn(err.Error(), conn)), Hint: "see docs/postgres.md for the forms --db accepts"}
	}
	if o.readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	// A lock held by another host's writer is waited for up to the busy timeout, as SQLite's.
	cfg.RuntimeParams["lock_timeout"] = fmt.Sprint(o.busyTimeout.Milliseconds())
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(time.Minute)
	s := &Store{db: dbh{db, postgresDialect}, path: shown, readOnly: o.readOnly, host: hostPrefix(o.host)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, classifyPostgres(shown, conn, "connect", err)
	}
	if o.existing {
		names, err := s.tables(ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		if len(names) == 0 {
			db.Close()
			return nil, &Error{Kind: ErrNotExist, Path: shown, Detail: "has no rebound tables", Hint: HintNotExist}
		}
	}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// classifyPostgres turns the errors of connecting into plain ones, without the password.
func classifyPostgres(shown, conn, op string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "3D000": // invalid_catalog_name: no such database
			return &Error{Kind: ErrNotExist, Path: shown, Detail: "does not exist", Err: errors.New(pe.Message),
				Hint: "create it first (docs/postgres.md, \"Setup\"), or check the database name in --db"}
		case "28P01", "28000": // invalid_password, invalid_authorization_specification
			return &Error{Kind: ErrReadOnly, Path: shown, Detail: "refused the login", Err: errors.New(pe.Message),
				Hint: "check the user and password (or ~/.pgpass) and pg_hba.conf (docs/postgres.md)"}
		case "42501": // insufficient_privilege
			return &Error{Kind: ErrReadOnly, Path: shown, Detail: "cannot be written by this role", Err: errors.New(pe.Message),
				Hint: "grant the role the rights docs/postgres.md lists"}
		}
	}
	return fmt.Errorf("database %s: %s: %s", shown, op, redactIn(err.Error(), conn))
}

// redactIn removes the password of conn from the text of an error, wherever it appears.
func redactIn(text, conn string) string {
	if cfg, err := pgconn.ParseConfig(conn); err == nil && cfg.Password != "" {
		text = strings.ReplaceAll(text, cfg.Password, "xxxxx")
	}
	if u, err := url.Parse(conn); err == nil {
		if p, ok := u.User.Password(); ok && p != "" {
			text = strings.ReplaceAll(text, p, "xxxxx")
		}
	}
	return text
}
