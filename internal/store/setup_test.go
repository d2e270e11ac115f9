package store

import (
	"path/filepath"
	"strconv"
	"testing"
)

// TestSetUp checks the persistent settings of a new database, and that a database created
// elsewhere with the defaults (rollback journal, 4096-byte pages) is switched to WAL and works.
func TestSetUp(t *testing.T) {
	s, p := openTemp(t)
	var size int
	var mode string
	s.db.QueryRow("PRAGMA page_size").Scan(&size)
	s.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if size != pageSize || mode != "wal" {
		t.Errorf("new database: page size %d, journal %s; want %d, wal", size, mode, pageSize)
	}
	s.Close()
	raw := rawDB(t, p) // the settings are the file's, not the connection's
	raw.QueryRow("PRAGMA page_size").Scan(&size)
	raw.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if size != pageSize || mode != "wal" {
		t.Errorf("reopened: page size %d, journal %s; want %d, wal", size, mode, pageSize)
	}

	old := filepath.Join(t.TempDir(), "old.db")
	db := rawDB(t, old)
	if _, err := db.Exec("PRAGMA page_size = 4096; PRAGMA journal_mode = DELETE; VACUUM"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(old)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.QueryRow("PRAGMA page_size").Scan(&size)
	s.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if size != 4096 || mode != "wal" {
		t.Errorf("existing database: page size %d, journal %s; want 4096 (unchanged), wal", size, mode)
	}
	if n, err := s.SaveBatch(t.Context(), benchBatch(0, 10), nil); err != nil || n != 10 {
		t.Errorf("save: %d, %v", n, err)
	}
}

// undoMigration holds, per migration, statements that take a database back to before it (0004
// only dropped indexes: running it again is harmless).
var undoMigration = map[int][]string{
	3: {"DROP TABLE event_counts", "DROP TABLE campaign_counts", "DROP TABLE sent"},
	5: {"DROP TABLE message_contents", "DROP TABLE legacy_messages", "ALTER TABLE messages DROP COLUMN duplicate_of"},
	6: {"ALTER TABLE states DROP COLUMN carry"},
	// 0007: back to one shared record, each address with the row of the last export that delivered it.
	7: {"DROP INDEX exports_baseline_idx", "ALTER TABLE exports DROP COLUMN baseline",
		"CREATE TABLE exported_one (address TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, export_id INTEGER NOT NULL)",
		"INSERT INTO exported_one SELECT address, MIN(fingerprint), export_id FROM exported x " +
			"WHERE export_id = (SELECT MAX(export_id) FROM exported y WHERE y.address = x.address) GROUP BY address, export_id",
		"DROP TABLE exported", "ALTER TABLE exported_one RENAME TO exported"},
	// 0008: content keys ("c:" and hex digits) without the day: rtrim leaves "DAY/", in both dialects.
	8: {"UPDATE message_contents SET content_key = substr(content_key, length(rtrim(content_key, 'c:0123456789abcdef')) + 1)"},
	9: {"DROP TABLE policy_deferred"},
}

// downgrade takes the closed database at p (a path or a PostgreSQL URL: rawDB) back to schema version, keeping its messages and
// events, so that Open runs the later migrations over them again.
func downgrade(t *testing.T, p string, version int) {
	t.Helper()
	db := rawDB(t, p)
	defer db.Close()
	for v := SchemaVersion(); v > version; v-- {
		for _, q := range undoMigration[v] {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.Exec("DELETE FROM schema_migrations WHERE version > " + strconv.Itoa(version)); err != nil {
		t.Fatal(err)
	}
}
