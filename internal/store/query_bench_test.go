package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// queryBenchEvents is the size of the database of BenchmarkQueries1M: the stats and export
// commands must answer within 2 seconds over a million events (docs/performance.md).
const queryBenchEvents = 1_000_000

// queryBenchTypes spreads events over types and reasons roughly as a marketing sender's
// bounces are: mostly blocks, hard and soft bounces, a few complaints and auto-replies.
var queryBenchTypes = []struct{ typ, reason string }{
	{"hard", "userunknown"}, {"hard", "userunknown"}, {"hard", "hostunknown"}, {"hard", "hasmoved"},
	{"soft", "mailboxfull"}, {"soft", "mailboxfull"}, {"soft", "expired"}, {"soft", "systemerror"},
	{"block", "blocked"}, {"block", "spamdetected"}, {"block", "policyviolation"}, {"block", "ratelimited"},
	{"block", "badreputation"}, {"block", "rejected"}, {"complaint", "feedback"}, {"autoreply", "vacation"},
	{"unknown", "undefined"}, {"delivered", "delivered"}, {"soft", "onhold"}, {"block", "authfailure"},
}

var queryBenchProviders = []string{"gmail", "microsoft", "yahoo", "apple", "gmx", "orange", "aol", "other"}

// queryBenchBatch makes n messages from message number first on, every fourth with two
// recipients, over 250,000 recipients and the year before end.
func queryBenchBatch(first, n int, end time.Time) (msgs []Message, events int) {
	msgs = make([]Message, n)
	for i := range msgs {
		k := first + i
		m := Message{Key: "k" + strconv.Itoa(k), Position: "/var/mail/bounces/new/" + strconv.Itoa(k),
			Path: "/var/mail/bounces/new/" + strconv.Itoa(k), Outcome: "bounce", Format: "rfc3464",
			MessageID: "<" + strconv.Itoa(k) + "@mx.example.net>", Subject: "Undelivered Mail Returned to Sender",
			From: "MAILER-DAEMON@mx.example.net", Date: end.Add(-time.Duration(k%525600) * time.Minute)}
		for j := range 1 + min(1, k%4/3) {
			t := queryBenchTypes[(k*7+j)%len(queryBenchTypes)]
			m.Events = append(m.Events, bounce.Event{
				Recipient: fmt.Sprintf("user%d@example%d.org", (k*31+j)%250000, k%500), Action: "failed",
				Status: "5.1.1", ReplyCode: "550", Diagnostic: "550 5.1.1 <user@example.org>: Recipient address rejected: User unknown",
				RemoteMTA: "mx.example.org", ReportingMTA: "mx.example.net", Reason: bounce.Reason(t.reason), Type: bounce.Type(t.typ),
				Hard: t.typ == "hard", Provider: queryBenchProviders[k%len(queryBenchProviders)], Rule: "status-5.1.1",
				Confidence: 0.9, BouncedAt: m.Date, Sender: "news@shop.example", Subject: "Your offers",
				OriginalMessageID: "<o" + strconv.Itoa(k) + "@shop.example>", Campaign: "camp-" + strconv.Itoa(k%40),
				SendingDomain: "shop.example"})
		}
		events += len(m.Events)
		msgs[i] = m
	}
	return msgs, events
}

// BenchmarkQueries1M measures the store's read queries used by stats and export over a
// database of a million events, and logs the plan SQLite chooses for each (EXPLAIN QUERY PLAN).
// Building the database takes a while; it happens only when this benchmark runs.
func BenchmarkQueries1M(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "1m.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	for n, events := 0, 0; events < queryBenchEvents; {
		batch, e := queryBenchBatch(n, min(5000, (queryBenchEvents-events)*4/5+1), end)
		if _, err := s.SaveBatch(ctx, batch, nil); err != nil {
			b.Fatal(err)
		}
		n += len(batch)
		events += e
	}
	if _, err := s.db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	built := time.Since(start).Round(time.Second)

	queries := []struct {
		name, sql string
		args      []any
		run       func() (int, error)
	}{
		{"EventsFor", query("events_for"), nil, nil},
	}
	for _, q := range queries {
		if q.name == "EventsFor" { // a recipient of the first message
			first, _ := queryBenchBatch(0, 1, end)
			rcpt := first[0].Events[0].Recipient
			q.args = []any{rcpt}
			q.run = func() (int, error) {
				e, err := s.EventsFor(ctx, rcpt)
				return len(e), err
			}
		}
		plan := queryPlan(b, s, q.sql, q.args)
		b.Run(q.name, func(b *testing.B) {
			b.Logf("plan: %s", plan)
			rows := 0
			for b.Loop() {
				n, err := q.run()
				if err != nil || n == 0 {
					b.Fatalf("%d rows, %v", n, err)
				}
				rows = n
			}
			b.ReportMetric(float64(rows), "rows")
			if q.name == queries[0].name {
				b.Logf("database of %d events built in %v", queryBenchEvents, built)
			}
		})
	}
}

// queryPlan returns SQLite's plan for a query, its steps joined by "; ".
func queryPlan(b *testing.B, s *Store, sql string, args []any) string {
	rows, err := s.db.Query("EXPLAIN QUERY PLAN "+sql, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			b.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return strings.Join(steps, "; ")
}
