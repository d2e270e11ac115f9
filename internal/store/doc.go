// Package store keeps rebound's results in a local SQLite database (modernc.org/sqlite, pure Go,
// driver name "sqlite") or a PostgreSQL database shared by several hosts (pgx), so that a nightly scan only adds what is new and the stats, export and
// policy commands read from one place.
//
// # Schema
//
// The schema comes from the embedded, numbered migrations in migrations/ (0001_init.sql, ...).
// Open applies the missing ones in order, each in its own transaction together with its row in
// schema_migrations(version, applied_at), so the schema version is the highest version there.
// A database whose version is higher than the binary knows is refused with ErrNewerSchema.
// Migrations are never edited once released: a change is a new file.
//
//   - messages: one row per message read, keyed by the mailbox key (internal/mailbox), with its
//     position, path, outcome (bounce, feedback, autoreply, notbounce, undecodable, unreadable,
//     duplicate),
//     the error that made it undecodable or unreadable, the bounce's format, Message-ID,
//     Subject, From and Date, when it was scanned and how many recipients (events) it had.
//     Undecodable and unreadable messages are stored too, never dropped.
//   - events: one row per recipient of a message (RFC 3464 section 2.3, RFC 6522, RFC 5965),
//     numbered idx 1, 2, ... within the message, unique on (message_key, idx). The recipient is
//     stored lower-case. Indexed on (recipient, bounced_at) and on bounced_at (0004 dropped the
//     indexes on provider, reason and type, which no query used).
//   - mbox_progress: per mbox file, the byte offset read up to, the number of messages before
//     it and a checksum of the bytes before it, so a rescan starts where the last one stopped.
//     An IMAP mailbox (path imaps://USER@HOST:PORT/MAILBOX) keeps its last UID read as the
//     offset and "uidvalidity:V" as the checksum.
//   - files: per plain message file, the size, modification time and message key last seen, so
//     a rescan can skip unchanged files without reading them.
//   - message_contents (0005_content_keys.sql): the content key (internal/mailbox ContentKey) of
//     every message stored since, after the UTC day of its Date (0008_content_key_days.sql: keys
//     in insertion order, not random), with the message that holds its events; a message with a
//     known content key under another key is stored with outcome "duplicate", no events and
//     messages.duplicate_of naming that message. legacy_messages recognises copies of the
//     messages stored before 0005 by the Message-ID and Date of the bounce.
//   - policy_deferred (0009_policy_deferred.sql): the addresses whose evaluation a running scan
//     left for its last one (Evaluator.Defer; evaluate.go), with how many events they got since.
//     The policy's other tables (recipient_addresses, states, transitions, overrides, exports)
//     are described in docs/policy.md ("Storage").
//   - meta: key/value text for facts about the database.
//   - event_counts, campaign_counts (0003_stats.sql): events per UTC day and provider, type,
//     reason and confidence band, and per day and campaign, sending domain, provider, type and
//     reason, added to by SaveBatch in the transaction that stores the events, so that the tables
//     of `rebound stats` are sums over days (stats.go). They hold no address and are kept by
//     prune. sent: the sent volumes of `rebound sent`, per campaign, provider and day.
//
// # API
//
// The store's operations are typed: messages in (SaveBatch), states and their trails
// (StateRow, bounce.Transition), events as bounce.Event. Store.Read and Store.Write run a
// function with a Tx, whose methods compose in one transaction (show reads an address's state,
// events, trail, overrides and export history in one snapshot); the Store's methods of the same
// names are one transaction each. Streamed reads are iterators (iter.Seq2[T, error]): the
// events, transitions, overrides and export history of an address (Tx), and an export's
// listed and left addresses (Lister.Listed, Lister.Left). A streamed read's loop must not run
// another of the transaction's queries unless the read says it may (Lister's do).
//
// # Time
//
// Times are stored as INTEGER unix seconds in UTC (sub-second parts are dropped); NULL means
// unknown and reads back as the zero time.Time. Integers compare, subtract and group (windows of
// 72 hours, days) with plain arithmetic in any SQL dialect. The one exception is files.mtime_ns,
// an opaque stamp in nanoseconds that is only compared for equality.
//
// # Crash safety and concurrency
//
// The database runs in WAL mode (set once on the file, with 16 KiB pages for new files; the -wal
// and -shm files are kept when it is closed, so that readers never create them: Open and
// docs/operations.md) with
// synchronous=NORMAL, foreign keys on and a busy timeout (30 s by default), and every write
// transaction starts with BEGIN IMMEDIATE, so a second process waits for the first instead of
// failing or deadlocking. SaveBatch writes a whole batch
// (messages, their events and the mbox checkpoints) in one transaction with INSERT ... ON
// CONFLICT DO NOTHING: a run killed at any moment loses at most its uncommitted batch, and
// reruns or concurrent runs over the same mailbox never store a message twice. SaveBatch sets
// Message.Stored on the messages that call stored.
//
// # Backends
//
// Open takes a SQLite path or a PostgreSQL connection string (postgres://..., or host=...
// dbname=...; IsPostgres, postgres.go, docs/postgres.md). PostgreSQL is reached through pgx's
// database/sql adapter, so the code is the same for both; what differs is the dialect
// (dialect.go):
//   - All SQL lives in embedded .sql files: queries/ (one statement each, loaded by name) and
//     migrations/. A query a backend must spell differently has its own file of the same name
//     in queries/postgres/; a migration has NNNN_name.postgres.sql beside NNNN_name.sql (the
//     PostgreSQL copies use BIGINT, DOUBLE PRECISION, identity columns and text COLLATE "C").
//     Both backends have the same numbered list of migrations.
//   - Standard types only: TEXT, INTEGER, REAL; booleans as INTEGER 0/1; times as above. Text
//     is stored as valid UTF-8 without NUL (PostgreSQL refuses both): save.go's text.
//   - INSERT ... ON CONFLICT (...) DO NOTHING / DO UPDATE SET x = excluded.x, RETURNING, window
//     functions, NULLS FIRST/LAST spelled out; no SQLite-only functions in queries. PRAGMAs are
//     confined to SQLite's connection string and set-up in Go.
//   - Parameters are always bound, written "?" or "?N" (PostgreSQL's dialect rewrites them to
//     $n); a variable-length list is written {{list}} and expands to at most 500 placeholders.
//   - Column names avoid reserved words (from_addr, byte_offset, checksum, message_count).
//   - Text ordering is byte order (PostgreSQL: the columns are COLLATE "C").
//   - No query stays open while another runs in the same transaction (a PostgreSQL connection
//     runs one at a time): listings are read a page at a time (export.go).
//
// On PostgreSQL every write transaction (and every migration) first takes one advisory lock
// (queries/postgres/lock_writes.sql), so writers on all hosts take turns as SQLite's do on one
// file: event ids become visible in order (the evaluation mark), two writers never deadlock,
// and the schema is migrated once when hosts start together. Read transactions are REPEATABLE
// READ, one snapshot like SQLite's. WithHost prefixes the message keys, checkpoints and file
// cache entries a host writes with its name.

// Errors that make the database unusable are *Error values wrapping one of ErrNewerSchema,
// ErrCorrupt, ErrReadOnly, ErrDiskFull, ErrBusy, ErrNotExist or ErrOldSchema, for errors.Is; their text ends
// with "; hint: ..." telling the user what to do.
package store
