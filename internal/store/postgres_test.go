package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/reboundhq/rebound/internal/pgtest"
)

// TestPostgresConcurrentHosts opens one PostgreSQL database from four Stores at once (four
// hosts starting together: the schema is migrated once), and has them save overlapping batches
// concurrently: messages under their own keys whose content is shared, as when one bounce is
// delivered to two hosts. Every content is stored once with its events, the copies as
// duplicates, nothing is lost, and evaluations running beside the writes leave every address
// evaluated from all of its events.
func TestPostgresConcurrentHosts(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	const hosts, batches, perBatch = 4, 6, 50
	stores := make([]*Store, hosts)
	var wg sync.WaitGroup
	errs := make([]error, hosts)
	for h := range hosts {
		wg.Go(func() { stores[h], errs[h] = Open(u) })
	}
	wg.Wait()
	for h, err := range errs {
		if err != nil {
			t.Fatalf("host %d: %v", h, err)
		}
		defer stores[h].Close()
	}
	if n := count(t, stores[0], "schema_migrations"); n != SchemaVersion() {
		t.Errorf("%d migrations recorded, want %d (each once)", n, SchemaVersion())
	}
	ev0 := defaultEvaluator(t, "2026-03-05T00:00:00Z")
	for h := range hosts {
		wg.Go(func() {
			for b := range batches {
				var msgs []Message
				for i := range perBatch {
					// Content c is read by two hosts: h and h+1 share half their mail.
					c := (h*batches*perBatch/2 + b*perBatch + i) % (hosts * batches * perBatch / 2)
					rcpt := fmt.Sprintf("user%d@example.org", c%37)
					m := msg(fmt.Sprintf("host%d:%d:%d", h, b, i), "bounce",
						ev(rcpt, "soft", "mailboxfull", fmt.Sprintf("2026-03-01T%02d:%02d:00Z", c/60%24, c%60)))
					msgs = append(msgs, withContent(m, fmt.Sprintf("c:%d", c)))
				}
				if _, err := stores[h].SaveBatch(ctx, msgs, nil); err != nil {
					errs[h] = err
					return
				}
				if _, err := stores[h].EvaluatePending(ctx, ev0); err != nil {
					errs[h] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for h, err := range errs {
		if err != nil {
			t.Fatalf("host %d: %v", h, err)
		}
	}
	s := stores[0]
	contents := hosts * batches * perBatch / 2
	if got := count(t, s, "messages"); got != hosts*batches*perBatch {
		t.Errorf("%d messages, want %d (every key once)", got, hosts*batches*perBatch)
	}
	if got := count(t, s, "events"); got != contents {
		t.Errorf("%d events, want %d (each content once)", got, contents)
	}
	var counted int
	if err := s.db.QueryRow("SELECT SUM(event_count) FROM event_counts").Scan(&counted); err != nil || counted != contents {
		t.Errorf("event_counts sum %d, %v: want %d", counted, err, contents)
	}
	if pending, err := s.Pending(ctx); err != nil || pending {
		t.Errorf("pending after every host evaluated: %v, %v", pending, err)
	}
	// The states are those of one evaluation of everything.
	var bounces int
	if err := s.db.QueryRow("SELECT SUM(bounces) FROM states").Scan(&bounces); err != nil || bounces != contents {
		t.Errorf("states count %d bounces (%v), want %d", bounces, err, contents)
	}
}

// TestPostgresNewerSchema: a PostgreSQL database written by a newer rebound is refused.
func TestPostgresNewerSchema(t *testing.T) {
	u := pgtest.URL(t)
	s, err := Open(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)", SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(u); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("got %v, want ErrNewerSchema", err)
	}
}

// TestPostgresPasswordHidden: the password of the connection string appears in no error, and the
// store names its database without it.
func TestPostgresPasswordHidden(t *testing.T) {
	p, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	p.User = url.UserPassword(p.User.Username(), "Sekr1t-pw")
	s, err := Open(p.String())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.Path(), "Sekr1t") || !strings.Contains(s.Path(), ":xxxxx@") {
		t.Errorf("Path() = %q", s.Path())
	}
	s.Close()
	p.Path = "/no_such_database"
	for _, conn := range []string{p.String(), "host=" + p.Query().Get("host") + " dbname=no_such_database user=rebound password=Sekr1t-pw",
		"postgres://rebound:Sekr1t-pw@[::1"} {
		_, err := Open(conn, Existing())
		if err == nil || strings.Contains(err.Error(), "Sekr1t") || !strings.Contains(err.Error(), "xxxxx") {
			t.Errorf("Open(%q) = %v; want an error without the password", Redact(conn), err)
		}
	}
}

// TestTextStored: NUL bytes and invalid UTF-8, which PostgreSQL's text refuses, are stored as
// U+FFFD by both backends.
func TestTextStored(t *testing.T) {
	s := openStore(t)
	m := msg("k\x00", "bounce", ev("a@example.org", "hard", "userunknown", "2024-03-01T10:00:00Z"))
	m.Subject = "bad \xff\xfe subject \x00"
	if _, err := s.SaveBatch(context.Background(), []Message{m}, nil); err != nil {
		t.Fatal(err)
	}
	var subject string
	if err := s.db.QueryRow("SELECT subject FROM messages WHERE key = ?", "k\uFFFD").Scan(&subject); err != nil {
		t.Fatal(err)
	}
	if want := "bad \uFFFD subject \uFFFD"; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	if known, err := s.Known(context.Background(), []string{"k\x00"}); err != nil || !known["k\x00"] {
		t.Errorf("Known(the key as read) = %v, %v", known, err)
	}
}
