package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/pgtest"
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rebound.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, p
}

// testBackend is the backend openStore gives: "sqlite" (the default) or "postgres", from
// $REBOUND_TEST_BACKEND; `make test` runs this package's tests once with each.
var testBackend = os.Getenv("REBOUND_TEST_BACKEND")

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openStore opens a new, empty database of the backend under test for a test that does not
// depend on the backend (a PostgreSQL one is skipped when PostgreSQL is not available).
func openStore(t testing.TB) *Store {
	t.Helper()
	s, _ := openStoreAt(t)
	return s
}

// openStoreAt is openStore that also returns what Open takes to open the database again: the
// SQLite file's path or the PostgreSQL database's URL.
func openStoreAt(t testing.TB) (*Store, string) {
	t.Helper()
	if testBackend != "postgres" {
		return openTemp(t)
	}
	u := pgtest.URL(t)
	s, err := Open(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, u
}

// rawDB opens the database at p (a SQLite file, or a PostgreSQL URL) directly, behind the
// store's back.
func rawDB(t *testing.T, p string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if IsPostgres(p) {
		driver = "pgx"
	}
	db, err := sql.Open(driver, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenCreatesAndMigrates(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deep", "er", "rebound.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	ctx := context.Background()
	for pragma, want := range map[string]string{
		"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "30000",
	} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	var tables []string
	rows, err := s.db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	// Later migrations add tables; these are the first schema's.
	for _, want := range []string{"events", "files", "mbox_progress", "messages", "meta", "schema_migrations"} {
		if !slices.Contains(tables, want) {
			t.Errorf("no table %s in %q", want, tables)
		}
	}
	s.Close()

	// Reopening applies nothing again.
	for range 2 {
		s, err = Open(p)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		var n, v int
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&n, &v); err != nil {
			t.Fatal(err)
		}
		if n != SchemaVersion() || v != SchemaVersion() {
			t.Errorf("schema_migrations has %d rows up to %d, want %d", n, v, SchemaVersion())
		}
		s.Close()
	}
}

// TestMigrationsNumbered checks that every dialect has the same numbered list of migrations,
// each a dialect's own file where it has one.
func TestMigrationsNumbered(t *testing.T) {
	for _, d := range []*dialect{sqliteDialect, postgresDialect} {
		ms, err := migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || SchemaVersion() != len(ms) {
			t.Fatalf("%s: %d migrations, SchemaVersion %d", d.name, len(ms), SchemaVersion())
		}
		for _, m := range ms {
			if strings.Contains(m.name, ".postgres.") != (d == postgresDialect && strings.Contains(m.name, ".postgres.")) {
				t.Errorf("%s: migration %s of another dialect", d.name, m.name)
			}
		}
		if d == postgresDialect && !strings.HasSuffix(ms[0].name, ".postgres.sql") {
			t.Errorf("postgres: migration 1 is %s, want its own 0001_init.postgres.sql", ms[0].name)
		}
	}
}

// TestQueriesCompile prepares every embedded query against the current schema (a multi-row
// statement with two rows).
func TestQueriesCompile(t *testing.T) {
	s := openStore(t)
	entries, err := fs.ReadDir(queryFS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no queries")
	}
	for _, e := range entries {
		if e.IsDir() {
			continue // a dialect's own texts: translated by s.db
		}
		name := strings.TrimSuffix(e.Name(), ".sql")
		text := listQuery(name, 3)
		if strings.Contains(text, "{{rows}}") {
			cols, ok := map[string]int{"policy_upsert_states": stateCols, "policy_insert_transitions": transitionCols}[name]
			if !ok {
				t.Errorf("%s: a multi-row statement this test has no column count for", name)
				continue
			}
			text = rowsQuery(s.db.d, name, 2, cols)
		}
		st, err := s.db.PrepareContext(t.Context(), s.db.d.sql(text))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		st.Close()
	}
}

func TestNewerSchema(t *testing.T) {
	_, p := openTemp(t)
	db := rawDB(t, p)
	if _, err := db.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)", SchemaVersion()+4); err != nil {
		t.Fatal(err)
	}
	_, err := Open(p)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("got %v, want ErrNewerSchema", err)
	}
	want := fmt.Sprintf("database %s was written by a newer rebound (schema %d, this binary knows %d); hint: upgrade rebound",
		p, SchemaVersion()+4, SchemaVersion())
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	var se *Error
	if !errors.As(err, &se) || se.Hint != "upgrade rebound" {
		t.Errorf("not an *Error with a hint: %#v", err)
	}
}

func TestNotADatabase(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"text":     []byte("From someone@example.org Mon Jan  1 00:00:00 2024\nSubject: hello\n\nbody\n"),
		"short":    []byte("SQL"),
		"damaged":  append([]byte("SQLite format 3\x00"), make([]byte, 8000)...),
		"garbage2": append([]byte("SQLite format 3\x00"), []byte(strings.Repeat("\xff\x13garbage", 600))...),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".db")
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(p)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
			if !strings.HasPrefix(err.Error(), "database "+p+" ") || !strings.Contains(err.Error(), "; hint: ") {
				t.Errorf("text %q lacks the path or a hint", err)
			}
		})
	}
	t.Run("other program", func(t *testing.T) {
		p := filepath.Join(dir, "other.db")
		db := rawDB(t, p)
		if _, err := db.Exec("CREATE TABLE t (x)"); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(p); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "another program") {
			t.Fatalf("got %v, want ErrCorrupt for another program's database", err)
		}
	})
	t.Run("folder", func(t *testing.T) {
		if _, err := Open(dir); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "is a folder") {
			t.Fatalf("got %v", err)
		}
	})
}

// TestReadOnlyFolder needs a user whose permissions are enforced: as root it skips. Run the test
// binary as another user to exercise it (e.g. setpriv --reuid=65534 --regid=65534 --clear-groups).
func TestReadOnlyFolder(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "ro")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "existing.db")
	s, err := Open(existing)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.Remove(existing + "-wal")
	os.Remove(existing + "-shm")
	readOnlyFile := filepath.Join(base, "readonly.db")
	if s, err = Open(readOnlyFile); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(readOnlyFile, 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if f, err := os.Create(filepath.Join(dir, "probe")); err == nil {
		f.Close()
		t.Skip("permissions are not enforced for this user (root?)")
	}
	for _, p := range []string{filepath.Join(dir, "new.db"), filepath.Join(dir, "sub", "new.db"), existing, readOnlyFile} {
		_, err := Open(p)
		if !errors.Is(err, ErrReadOnly) {
			t.Fatalf("%s: got %v, want ErrReadOnly", p, err)
		}
		if !strings.HasPrefix(err.Error(), "database "+p+" ") || !strings.Contains(err.Error(), "; hint: ") {
			t.Errorf("text %q lacks the path or a hint", err)
		}
		t.Log(err)
	}
	// Reading is still possible.
	ro, err := Open(readOnlyFile, ReadOnly())
	if err != nil {
		t.Fatalf("read-only open of a read-only file: %v", err)
	}
	if _, err := ro.EventsFor(context.Background(), "nobody@example.com"); err != nil {
		t.Error(err)
	}
	ro.Close()
}

func TestParentIsAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(filepath.Join(f, "rebound.db"))
	var se *Error
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "cannot be created") {
		t.Fatalf("got %v", err)
	}
}

func TestReadOnlyOption(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(filepath.Join(t.TempDir(), "missing.db"), ReadOnly()); !errors.Is(err, ErrNotExist) {
		t.Fatalf("missing file: got %v, want ErrNotExist", err)
	}
	s, p := openTemp(t)
	if _, err := s.SaveBatch(ctx, []Message{msg("k1", "bounce", ev("a@example.org", "hard", "userunknown", "2024-01-01T00:00:00Z"))}, nil); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(p, ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if k, err := ro.Known(ctx, []string{"k1"}); err != nil || !k["k1"] {
		t.Fatalf("Known on read-only: %v %v", k, err)
	}
	_, err = ro.SaveBatch(ctx, []Message{msg("k2", "notbounce")}, nil)
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write to read-only: got %v, want ErrReadOnly", err)
	}
}

// TestExistingOption: a database opened with Existing is never created: a missing file, a
// missing folder and an empty file are ErrNotExist, and nothing appears on disk.
func TestExistingOption(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "missing.db"), filepath.Join(dir, "sub", "missing.db")} {
		if _, err := Open(p, Existing()); !errors.Is(err, ErrNotExist) || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%s: got %v, want ErrNotExist", p, err)
		}
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(empty, Existing()); !errors.Is(err, ErrNotExist) || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty file: got %v, want ErrNotExist", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("the folder holds %d entries, want only empty.db", len(ents))
	}
	s, p := openTemp(t)
	s.Close()
	s, err := Open(p, Existing())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SaveBatch(context.Background(), []Message{msg("k1", "notbounce")}, nil); err != nil {
		t.Errorf("an existing database opened with Existing is writable: %v", err)
	}
}
