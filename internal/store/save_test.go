package store

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

func msg(key, outcome string, events ...bounce.Event) Message {
	return Message{Key: key, Position: "box:" + key, Path: "box", Outcome: outcome, Format: "rfc3464",
		MessageID: "<" + key + "@mta.example.net>", Subject: "Undelivered Mail", From: "MAILER-DAEMON@mta.example.net",
		Date: mustTime("2024-03-01T10:00:00Z"), Events: events}
}

func ev(rcpt, typ, reason, at string) bounce.Event {
	e := bounce.Event{Recipient: rcpt, Type: bounce.Type(typ), Reason: bounce.Reason(reason), Action: "failed", Status: "5.1.1",
		ReplyCode: "550", Diagnostic: "550 5.1.1 no such user (" + rcpt + ")", RemoteMTA: "mx.example.com",
		ReportingMTA: "mta.example.net", Hard: typ == "hard", Provider: "example", Rule: "test",
		Confidence: 0.9, Sender: "news@example.net", Subject: "Spring sale",
		OriginalMessageID: "<orig@example.net>", Campaign: "spring", SendingDomain: "example.net"}
	if at != "" {
		e.BouncedAt = mustTime(at)
	}
	return e
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func count(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSaveBatchTwice(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	batch := []Message{
		msg("a", "bounce", ev("One@Example.org ", "hard", "userunknown", "2024-03-01T10:00:00Z"),
			ev("two@example.org", "soft", "mailboxfull", "2024-03-01T10:00:00Z")),
		msg("b", "feedback", ev("three@example.org", "complaint", "feedback", "")),
		{Key: "c", Position: "box:3", Path: "box", Outcome: "undecodable", Error: "truncated multipart"},
	}
	cp := []Checkpoint{{Path: "box", Offset: 1234, Count: 3, Check: "abc"}}
	n, err := s.SaveBatch(ctx, batch, cp)
	if err != nil || n != 3 {
		t.Fatalf("first save: %d, %v", n, err)
	}
	n, err = s.SaveBatch(ctx, batch, cp)
	if err != nil || n != 0 {
		t.Fatalf("second save: %d, %v", n, err)
	}
	// A batch mixing old and new messages stores only the new ones.
	n, err = s.SaveBatch(ctx, append(batch, msg("d", "notbounce")), nil)
	if err != nil || n != 1 {
		t.Fatalf("third save: %d, %v", n, err)
	}
	if m, e := count(t, s, "messages"), count(t, s, "events"); m != 4 || e != 3 {
		t.Errorf("%d messages, %d events; want 4, 3", m, e)
	}

	// Round trip of every field, with normalisation and NULLs.
	got, err := s.EventsFor(ctx, "ONE@example.org")
	if err != nil || len(got) != 1 {
		t.Fatalf("EventsFor: %v, %v", got, err)
	}
	want := batch[0].Events[0]
	want.Recipient = "one@example.org"
	want.ID, want.Key, want.Idx, want.Position = "a#1", "a", 1, "box:a"
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got[0], want)
	}
	got, _ = s.EventsFor(ctx, "two@example.org")
	if len(got) != 1 || got[0].Idx != 2 {
		t.Errorf("second recipient: %+v", got)
	}
	var recipients int
	var errText string
	s.db.QueryRow("SELECT recipients FROM messages WHERE key = 'a'").Scan(&recipients)
	s.db.QueryRow("SELECT error FROM messages WHERE key = 'c'").Scan(&errText)
	if recipients != 2 || errText != "truncated multipart" {
		t.Errorf("recipients %d, error %q", recipients, errText)
	}
}

func TestSaveBatchRejects(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	for _, m := range []Message{{Position: "x", Outcome: "bounce"}, {Key: "k", Outcome: "bounced"}} {
		if _, err := s.SaveBatch(ctx, []Message{msg("ok", "bounce"), m}, nil); err == nil {
			t.Errorf("%+v accepted", m)
		}
	}
	if n := count(t, s, "messages"); n != 0 {
		t.Errorf("%d messages stored from rejected batches", n)
	}
}

func TestSaveBatchCanceled(t *testing.T) {
	s := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.SaveBatch(ctx, []Message{msg("a", "bounce")}, nil); err == nil {
		t.Fatal("saved with a canceled context")
	}
	if n := count(t, s, "messages"); n != 0 {
		t.Errorf("%d messages", n)
	}
}

func TestMboxProgress(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	if _, _, _, ok, err := s.MboxProgress(ctx, "/var/mail/bounces"); ok || err != nil {
		t.Fatalf("before any checkpoint: ok %v, err %v", ok, err)
	}
	for _, c := range []Checkpoint{{"/var/mail/bounces", 100, 2, "h1"}, {"/var/mail/bounces", 5000, 40, "h2"}} {
		if _, err := s.SaveBatch(ctx, nil, []Checkpoint{c, {"/other", 7, 1, "o"}}); err != nil {
			t.Fatal(err)
		}
		off, n, check, ok, err := s.MboxProgress(ctx, c.Path)
		if err != nil || !ok || off != c.Offset || n != c.Count || check != c.Check {
			t.Errorf("got %d %d %q %v %v, want %+v", off, n, check, ok, err, c)
		}
	}
	if n := count(t, s, "mbox_progress"); n != 2 {
		t.Errorf("%d checkpoints, want 2", n)
	}
}

func TestKnownBatches(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	var batch []Message
	var keys []string
	for i := range 1234 {
		k := fmt.Sprintf("key%04d", i)
		keys = append(keys, k)
		if i%3 == 0 {
			batch = append(batch, msg(k, "notbounce"))
		}
	}
	if _, err := s.SaveBatch(ctx, batch, nil); err != nil {
		t.Fatal(err)
	}
	keys = append(keys, "key0000", "missing") // a duplicate and an unknown key
	known, err := s.Known(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(known) != len(batch) {
		t.Errorf("%d known, want %d", len(known), len(batch))
	}
	for _, m := range batch {
		if !known[m.Key] {
			t.Errorf("%s not known", m.Key)
		}
	}
	if known["key0001"] || known["missing"] {
		t.Error("unknown keys reported known")
	}
	if k, err := s.Known(ctx, nil); err != nil || len(k) != 0 {
		t.Errorf("no keys: %v %v", k, err)
	}
}

func TestFileCache(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	mt := mustTime("2024-03-01T10:00:00Z").Add(123456789)
	files := []File{{"/b/1.eml", 100, mt, "h1"}, {"/b/2.eml", 200, mt, "h2"}}
	if err := s.PutFiles(ctx, files); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFiles(ctx, []File{{"/b/2.eml", 201, mt, "h2b"}}); err != nil { // rewritten since
		t.Fatal(err)
	}
	got, err := s.FileKeys(ctx, []File{
		{Path: "/b/1.eml", Size: 100, ModTime: mt},                      // unchanged
		{Path: "/b/2.eml", Size: 200, ModTime: mt},                      // old size
		{Path: "/b/3.eml", Size: 1, ModTime: mt},                        // never seen
		{Path: "/b/1.eml", Size: 100, ModTime: mt.Add(time.Nanosecond)}, // touched: duplicate path, last wins
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("got %v, want nothing", got)
	}
	got, _ = s.FileKeys(ctx, []File{{Path: "/b/1.eml", Size: 100, ModTime: mt}, {Path: "/b/2.eml", Size: 201, ModTime: mt}})
	if want := map[string]string{"/b/1.eml": "h1", "/b/2.eml": "h2b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// overlapping returns batches of keys [lo, hi) cut every size messages.
func overlapping(lo, hi, size int) [][]Message {
	var batches [][]Message
	for i := lo; i < hi; i += size {
		batches = append(batches, benchBatch(i, min(size, hi-i)))
	}
	return batches
}

// saveAll saves batches concurrently from the given stores (one goroutine each, several
// goroutines per store when a store is repeated) and returns the total reported inserted.
func saveAll(t *testing.T, stores []*Store, work [][][]Message) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, batch := range work[i] {
				n, err := s.SaveBatch(context.Background(), batch, []Checkpoint{{Path: "box", Offset: int64(i), Count: i, Check: "c"}})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return total
}

// checkOneCopy checks that keys [0, n) are stored once each with all their events.
func checkOneCopy(t *testing.T, s *Store, n int) {
	t.Helper()
	wantEvents := 0
	for _, m := range benchBatch(0, n) {
		wantEvents += len(m.Events)
	}
	if got := count(t, s, "messages"); got != n {
		t.Errorf("%d messages, want %d", got, n)
	}
	if got := count(t, s, "events"); got != wantEvents {
		t.Errorf("%d events, want %d", got, wantEvents)
	}
	var bad int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM messages m
		WHERE recipients <> (SELECT COUNT(*) FROM events e WHERE e.message_key = m.key)`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d messages whose events are incomplete", bad)
	}
}

func TestConcurrentSameStore(t *testing.T) {
	s := openStore(t)
	// Three goroutines: 0-3000, 1500-4500 and 0-4500 backwards, in batches of 250.
	a, b, c := overlapping(0, 3000, 250), overlapping(1500, 4500, 250), overlapping(0, 4500, 250)
	slices.Reverse(c)
	total := saveAll(t, []*Store{s, s, s}, [][][]Message{a, b, c})
	if total != 4500 {
		t.Errorf("reported %d inserted, want 4500", total)
	}
	checkOneCopy(t, s, 4500)
}

// TestConcurrentStores opens the same file twice, as two processes would: each *Store has its
// own connections, so only SQLite's locking keeps them apart.
func TestConcurrentStores(t *testing.T) {
	p := filepath.Join(t.TempDir(), "shared", "rebound.db")
	var stores []*Store
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 3 { // open (and migrate) concurrently too
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(p)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			stores = append(stores, s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(stores) != 3 {
		t.FailNow()
	}
	for _, s := range stores {
		defer s.Close()
	}
	a, b, c := overlapping(0, 3000, 500), overlapping(1000, 4000, 300), overlapping(0, 4000, 700)
	slices.Reverse(c)
	total := saveAll(t, stores, [][][]Message{a, b, c})
	if total != 4000 {
		t.Errorf("reported %d inserted, want 4000", total)
	}
	checkOneCopy(t, stores[0], 4000)
	var n int
	stores[1].db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n)
	if n != SchemaVersion() {
		t.Errorf("%d migrations recorded, want %d", n, SchemaVersion())
	}
}

// TestSaveBatchStoredReset checks that a failed batch leaves no message marked Stored.
func TestSaveBatchStoredReset(t *testing.T) {
	s := openStore(t)
	batch := []Message{msg("a", "bounce"), msg("b", "bounce")}
	batch[1].Stored = true
	batch[1].Outcome = "nonsense"
	if _, err := s.SaveBatch(context.Background(), batch, nil); err == nil {
		t.Fatal("bad outcome accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	batch[1].Outcome = "bounce"
	if _, err := s.SaveBatch(ctx, batch, nil); err == nil {
		t.Fatal("saved with a canceled context")
	}
	for _, m := range batch {
		if m.Stored {
			t.Errorf("%s marked stored after a failed batch", m.Key)
		}
	}
}
