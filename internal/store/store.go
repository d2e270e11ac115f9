package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DefaultBusyTimeout is how long a write waits for another process holding the database.
const DefaultBusyTimeout = 30 * time.Second

// Store is an open rebound database. It is safe for concurrent use.
type Store struct {
	db       dbh    // the connection pool, speaking the backend's dialect (dialect.go)
	path     string // the file, or the PostgreSQL connection string without its password
	readOnly bool
	wmu      sync.Mutex   // serialises this process's write transactions
	wconn    *sql.Conn    // SQLite: the connection write transactions run on (beginWrite); nil until the first
	host     string       // "NAME/" of WithHost, before the keys and paths this store writes
	recent   recentEvents // events stored and not evaluated yet (recent.go)
	legacy   legacyState  // whether messages stored before content keys are bridged (contents.go)
}

// Option changes how Open works.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
	readOnly    bool
	existing    bool // the file must exist: nothing is created
	immutable   bool // read-only, and read as a file that does not change (no -wal, -shm)
	host        string
}

// WithHost names the host whose mailboxes the messages saved come from: the message keys, mbox
// checkpoints and file cache entries this store writes and looks up are prefixed with "NAME/",
// so that the same path on two hosts sharing a database (PostgreSQL) are two mailboxes. The same
// bounce read on both still counts once (content keys). An empty name prefixes nothing.
func WithHost(name string) Option {
	return func(o *options) { o.host = name }
}

// WithBusyTimeout sets how long to wait for a lock held by another process (default 30 s).
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) { o.busyTimeout = d }
}

// ReadOnly opens an existing database for reading only: nothing is created or migrated, and a
// missing file is ErrNotExist. Use it for commands that only report.
func ReadOnly() Option {
	return func(o *options) { o.readOnly, o.existing = true, true }
}

// Existing opens an existing database for reading and writing, and never creates one: a
// missing (or empty) file is ErrNotExist, and no folder is made. Every command but scan opens
// the database this way, so that a mistyped path is an error rather than a new, empty
// database.
func Existing() Option {
	return func(o *options) { o.existing = true }
}

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Open opens the database at path, creating it and its parent folders when needed (mode 0600:
// it holds e-mail addresses), and brings its schema up to date. Problems the user must fix are
// *Error values: ErrCorrupt, ErrReadOnly, ErrNewerSchema, ErrDiskFull, ErrBusy, ErrNotExist.
//
// A database opened for writing keeps its -wal and -shm files when it is closed (SQLite's
// persistent WAL), so that they stay its owner's; a database opened ReadOnly never creates a
// file: see docs/operations.md, "Sharing a database".
func Open(path string, opts ...Option) (*Store, error) {
	o := options{busyTimeout: DefaultBusyTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	if IsPostgres(path) {
		return openPostgres(path, o)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	wal, err := prepareFile(path, abs, o)
	if err != nil {
		return nil, err
	}
	if o.readOnly && wal && !sideFilesExist(abs) {
		// SQLite would create the -wal and -shm files, owned by this reader, which a writer
		// may then be unable to write; or fail if the folder is not writable. Without them
		// everything committed is in the file itself.
		o.immutable = true
	}
	conn, err := sqlite.NewConnector(dsn(abs, o))
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	var db *sql.DB
	if o.readOnly {
		db = sql.OpenDB(conn)
	} else {
		db = sql.OpenDB(persistentWAL{conn})
	}
	s := &Store{db: dbh{db, sqliteDialect}, path: path, readOnly: o.readOnly, host: hostPrefix(o.host)}
	ctx := context.Background()
	if !o.readOnly {
		if err := s.setUp(ctx, o.busyTimeout); err != nil {
			db.Close()
			return nil, err
		}
	}
	alignSideFiles(abs)
	if err := s.migrate(ctx); err != nil {
		db.Close()
		if o.readOnly && errors.Is(err, ErrReadOnly) {
			if detail, hint, ok := accessProblem(path, false); ok {
				return nil, &Error{Kind: ErrReadOnly, Path: path, Detail: detail, Hint: hint}
			}
		}
		return nil, err
	}
	return s, nil
}

func hostPrefix(name string) string {
	if name == "" {
		return ""
	}
	return name + "/"
}

// sideFilesExist reports whether the -wal and -shm files of the database at abs both exist.
func sideFilesExist(abs string) bool {
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Lstat(abs + suffix); err != nil {
			return false
		}
	}
	return true
}

// persistentWAL sets SQLITE_FCNTL_PERSIST_WAL on every connection it opens: the last one to
// close checkpoints the WAL and truncates it (journal_size_limit) but leaves the -wal and -shm
// files in place, owned by the user who created them, so that a read-only user never has to
// create them (docs/operations.md).
type persistentWAL struct{ driver.Connector }

func (c persistentWAL) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if fc, ok := conn.(sqlite.FileControl); ok {
		if _, err := fc.FileControlPersistWAL("main", 1); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}

// prepareFile creates the parent folders and the file (unless o.existing), and checks that an
// existing file is a SQLite database, so that the common mistakes get plain errors. It reports
// whether the file is a database in WAL mode.
func prepareFile(path, abs string, o options) (wal bool, err error) {
	if st, err := os.Stat(abs); err == nil && st.IsDir() {
		return false, &Error{Kind: ErrCorrupt, Path: path, Detail: "is a folder, not a database file",
			Hint: "pass the path of a file with --db"}
	}
	flag := os.O_RDWR | os.O_CREATE
	if o.existing {
		flag = os.O_RDONLY // only to check it: SQLite opens it for writing itself
	} else if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return false, &Error{Kind: ErrReadOnly, Path: path, Detail: "cannot be created", Err: err, Hint: hintReadOnly}
	}
	f, err := os.OpenFile(abs, flag, 0o600)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return false, &Error{Kind: ErrNotExist, Path: path, Detail: "does not exist", Hint: HintNotExist}
		case o.readOnly && errors.Is(err, fs.ErrPermission):
			if detail, hint, ok := accessProblem(path, false); ok {
				return false, &Error{Kind: ErrReadOnly, Path: path, Detail: detail, Hint: hint}
			}
			return false, &Error{Kind: ErrReadOnly, Path: path, Detail: "cannot be read", Err: permissionCause(err),
				Hint: hintCannotRead}
		}
		return false, classify(path, "open", err)
	}
	defer f.Close()
	head := make([]byte, headerSize)
	n, err := io.ReadFull(f, head)
	switch {
	case n == 0 && (err == io.EOF):
		if o.existing {
			return false, &Error{Kind: ErrNotExist, Path: path, Detail: "is empty", Hint: HintNotExist}
		}
		return false, nil // a new database
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return false, classify(path, "read", err)
	case !bytes.HasPrefix(head[:n], sqliteMagic):
		return false, &Error{Kind: ErrCorrupt, Path: path, Detail: "is not a sqlite database", Hint: hintCorrupt}
	}
	// Bytes 18 and 19 of the header are the file format write and read versions: 2 in WAL mode
	// (https://www.sqlite.org/fileformat2.html#file_format_version_numbers).
	return n == headerSize && head[18] == 2 && head[19] == 2, nil
}

// headerSize is the part of the database header prepareFile reads.
const headerSize = 20

// permissionCause drops the path from a permission error: the message names the database.
func permissionCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// dsn builds the connection string: every connection of the pool gets the same settings.
func dsn(abs string, o options) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(o.busyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	if o.readOnly {
		q.Set("mode", "ro")
		if o.immutable {
			q.Set("immutable", "1")
		}
	} else {
		if o.existing {
			q.Set("mode", "rw") // never created, even if the file vanished since prepareFile
		}
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "journal_size_limit("+strconv.Itoa(journalSizeLimit)+")")
		// Statement journals in memory: an INSERT ... RETURNING (insert_event, one per event)
		// keeps one, a page or two, and in a temporary file each costs write system calls.
		q.Add("_pragma", "temp_store(MEMORY)")
		q.Set("_txlock", "immediate") // write transactions take the lock up front
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// journalSizeLimit bounds the WAL file left after a checkpoint; the last connection to close
// truncates it to nothing (the file itself stays: persistentWAL).
const journalSizeLimit = 64 << 20

// pageSize is the page size of new databases: larger pages than SQLite's 4096 make inserting
// events (rows of a few hundred bytes, five indexes) about 10% cheaper.
const pageSize = 16384

// setUp sets the page size of a new database, which must come before anything is written, and
// switches it to WAL mode, which is persistent. A file system that cannot do WAL (some network
// file systems) keeps the rollback journal: slower, equally safe.
func (s *Store) setUp(ctx context.Context, busyTimeout time.Duration) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return classify(s.path, "open", err)
	}
	defer conn.Close()
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err == nil && strings.EqualFold(mode, "wal") {
		return nil // set up by an earlier run: WAL mode is persistent
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA page_size = "+strconv.Itoa(pageSize)); err != nil {
		return classify(s.path, "set page size", err)
	}
	// Changing the journal mode needs the database to itself, and SQLite answers SQLITE_BUSY at
	// once, without its busy handler, while another process (a concurrent first run) has it
	// open: retry until the busy timeout.
	deadline := time.Now().Add(busyTimeout)
	for {
		err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil {
			return nil
		}
		var e *Error
		if ce := classify(s.path, "set journal mode", err); !errors.As(ce, &e) || e.Kind != ErrBusy || time.Now().After(deadline) {
			return ce
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Path returns the path the store was opened with.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	s.wmu.Lock()
	if s.wconn != nil {
		s.wconn.Close()
		s.wconn = nil
	}
	s.wmu.Unlock()
	return classify(s.path, "close", s.db.Close())
}

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations of dialect d in order; their numbers must be 1, 2,
// 3, .... NNNN_name.sql is the migration of every dialect, unless NNNN_name.DIALECT.sql sits
// beside it, which replaces it for that dialect.
func migrations(d *dialect) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	own := map[string]string{} // the common file's name -> the dialect's
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		base, dia, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), ".")
		if ok {
			if dia != sqliteDialect.name && dia != postgresDialect.name {
				return nil, fmt.Errorf("migration %s: unknown dialect %q", name, dia)
			}
			if dia == d.name {
				own[base+".sql"] = name
			}
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		ms = append(ms, migration{version: v, name: name})
	}
	for i, m := range ms {
		if o, ok := own[m.name]; ok {
			ms[i].name = o
			delete(own, m.name)
		}
		b, err := migrationFS.ReadFile("migrations/" + ms[i].name)
		if err != nil {
			return nil, err
		}
		ms[i].sql = string(b)
	}
	for common, o := range own {
		return nil, fmt.Errorf("migration %s: no %s beside it", o, common)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this binary creates and understands.
func SchemaVersion() int {
	ms, err := migrations(sqliteDialect)
	if err != nil {
		panic(err) // the embedded files are part of the binary; tests check them
	}
	return len(ms)
}

// version reads the schema version, 0 for a new database.
func (s *Store) version(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, query("schema_version")).Scan(&v); err != nil {
		return 0, err
	}
	return v, nil
}

// migrate checks the schema version and applies the missing migrations. Two processes opening
// a new database at once are safe: the second waits for the first's transaction and then finds
// nothing left to do.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations(s.db.d)
	if err != nil {
		return err
	}
	know := len(ms)
	have, err := s.currentVersion(ctx)
	if err != nil {
		return err
	}
	if have > know {
		return newerSchemaError(s.path, have, know)
	}
	if have == know {
		return nil
	}
	if s.readOnly {
		return &Error{Kind: ErrOldSchema, Path: s.path,
			Detail: fmt.Sprintf("has schema %d and needs upgrading to %d, but is open read-only", have, know),
			Hint:   "run 'rebound scan' once to upgrade it"}
	}
	for _, m := range ms[have:] {
		if err := s.apply(ctx, m, know); err != nil {
			return err
		}
	}
	return nil
}

// currentVersion reads the schema version without taking a write lock. A database with tables
// but no schema_migrations belongs to another program.
func (s *Store) currentVersion(ctx context.Context) (int, error) {
	names, err := s.tables(ctx)
	if err != nil {
		return 0, err
	}
	switch {
	case slices.Contains(names, "schema_migrations"):
		v, err := s.version(ctx, s.db)
		return v, classify(s.path, "read schema version", err)
	case len(names) > 0:
		return 0, &Error{Kind: ErrCorrupt, Path: s.path, Detail: "is a " + s.db.d.name + " database of another program",
			Hint: "pick another " + map[string]string{"sqlite": "path", "postgres": "database"}[s.db.d.name] + " with --db"}
	}
	return 0, nil
}

// tables lists the names of the database's tables.
func (s *Store) tables(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query("tables"))
	if err != nil {
		return nil, classify(s.path, "read schema", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, classify(s.path, "read schema", err)
		}
		names = append(names, name)
	}
	return names, classify(s.path, "read schema", rows.Err())
}

// apply runs one migration in its own write transaction, unless another process applied it
// meanwhile.
func (s *Store) apply(ctx context.Context, m migration, know int) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return classify(s.path, "begin migration", err)
	}
	defer tx.Rollback()
	if s.db.d.lockWrites != "" {
		// Two hosts starting at once: the second waits here, then finds the migration done.
		if _, err := tx.ExecContext(ctx, s.db.d.lockWrites); err != nil {
			return classify(s.path, "lock for migration", err)
		}
	}
	if _, err := tx.ExecContext(ctx, query("create_schema_migrations")); err != nil {
		return classify(s.path, "create schema_migrations", err)
	}
	have, err := s.version(ctx, tx)
	if err != nil {
		return classify(s.path, "read schema version", err)
	}
	if have > know {
		return newerSchemaError(s.path, have, know)
	}
	if have >= m.version {
		return nil // done by another process
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return classify(s.path, "migration "+m.name, err)
	}
	if _, err := tx.ExecContext(ctx, query("record_migration"), m.version, time.Now().Unix()); err != nil {
		return classify(s.path, "migration "+m.name, err)
	}
	return classify(s.path, "commit migration "+m.name, tx.Commit())
}
