package store

import "testing"

func TestDollarParams(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT a FROM t WHERE a = ? AND b IN (?, ?)", "SELECT a FROM t WHERE a = $1 AND b IN ($2, $3)"},
		{"-- is it? yes\nSELECT '?', \"a?\" FROM t WHERE x = ?", "-- is it? yes\nSELECT '?', \"a?\" FROM t WHERE x = $1"},
		{"WHERE a >= ?1 AND id > ?3 LIMIT ?2", "WHERE a >= $1 AND id > $3 LIMIT $2"},
		{"SELECT 'it''s ?' WHERE a = ?", "SELECT 'it''s ?' WHERE a = $1"},
	} {
		if got := dollarParams(c.in); got != c.want {
			t.Errorf("dollarParams(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://rebound:s3cret@db.example.com:5432/rebound?sslmode=verify-full", "postgres://rebound:xxxxx@db.example.com:5432/rebound?sslmode=verify-full"},
		{"postgresql://rebound@db/rebound?password=s3cret", "postgresql://rebound@db/rebound?password=xxxxx"},
		{"host=db dbname=rebound user=rebound password=s3cret sslmode=require", "host=db dbname=rebound user=rebound password=xxxxx sslmode=require"},
		{"host=db password='s3 cret' dbname=rebound", "host=db password=xxxxx dbname=rebound"},
		{"/var/lib/rebound/rebound.db", "/var/lib/rebound/rebound.db"},
	} {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
