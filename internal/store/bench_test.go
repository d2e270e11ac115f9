package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/cputime"
)

// benchBatch makes n messages with 1.2 events each on average (every fifth has two), with
// keys that start at first.
func benchBatch(first, n int) []Message {
	at := mustTime("2024-03-01T10:00:00Z")
	msgs := make([]Message, n)
	for i := range msgs {
		k := first + i
		rc := fmt.Sprintf("user%d@example%d.org", k%50000, k%97)
		e := ev(rc, "hard", "userunknown", "")
		e.BouncedAt = at.Add(time.Duration(k) * time.Second)
		m := msg(fmt.Sprintf("1709287200.M%dP%d.mx.example.net", k, k%1000), "bounce", e)
		m.Position = fmt.Sprintf("/var/mail/bounces/new/%d", k)
		m.Path = m.Position
		sum := sha256.Sum256([]byte(m.Key)) // a content key, as random as mailbox.ContentKey's
		m.ContentKey = "c:" + hex.EncodeToString(sum[:16])
		if k%5 == 0 {
			e2 := e
			e2.Recipient = fmt.Sprintf("other%d@example.com", k)
			e2.Type, e2.Reason = "soft", "mailboxfull"
			m.Events = append(m.Events, e2)
		}
		msgs[i] = m
	}
	return msgs
}

// BenchmarkSaveBatch measures inserting new messages in batches of 1000 into a growing
// database, the work of a first scan.
func BenchmarkSaveBatch(b *testing.B) {
	const size = 1000
	s, _ := openTemp(b)
	ctx := context.Background()
	batches := make([][]Message, 0, 64)
	for i := range cap(batches) {
		batches = append(batches, benchBatch(i*size, size))
	}
	cpu := cputime.Process()
	b.ResetTimer()
	for i := range b.N {
		batch := batches[i%len(batches)]
		if i >= len(batches) { // fresh keys once the prepared batches are used up
			b.StopTimer()
			batch = benchBatch(i*size, size)
			b.StartTimer()
		}
		n, err := s.SaveBatch(ctx, batch, []Checkpoint{{Path: "/var/mail/mbox", Offset: int64(i), Count: i, Check: "x"}})
		if err != nil || n != size {
			b.Fatalf("saved %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N*size)/(cputime.Process()-cpu).Seconds(), "msgs/cpu-s")
}

// BenchmarkSaveBatchRescan measures a rescan: every message is stored already.
func BenchmarkSaveBatchRescan(b *testing.B) {
	const size = 1000
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	batch := benchBatch(0, size)
	if _, err := s.SaveBatch(ctx, batch, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if n, err := s.SaveBatch(ctx, batch, nil); err != nil || n != 0 {
			b.Fatalf("saved %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkKnown measures looking up 1000 keys, half of them stored.
func BenchmarkKnown(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	batch := benchBatch(0, 1000)
	if _, err := s.SaveBatch(ctx, batch[:500], nil); err != nil {
		b.Fatal(err)
	}
	keys := make([]string, len(batch))
	for i, m := range batch {
		keys[i] = m.Key
	}
	b.ResetTimer()
	for range b.N {
		if k, err := s.Known(ctx, keys); err != nil || len(k) != 500 {
			b.Fatalf("%d known, %v", len(k), err)
		}
	}
	b.ReportMetric(float64(b.N*len(keys))/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkEvaluatePending measures the policy evaluation of a first scan: 10,000 new messages
// (12,000 events, all of new addresses) stored, then evaluated, in a database that holds the
// previous ones. The scan evaluates every 10,000 messages (cmd/rebound evaluateEvery), so this
// is what each evaluation of a first scan costs, beside BenchmarkSaveBatch.
func BenchmarkEvaluatePending(b *testing.B) {
	const size = 10_000
	s, _ := openTemp(b)
	ctx := context.Background()
	ev := defaultEvaluator(b, "2024-03-10T00:00:00Z")
	addrs := 0
	var cpu, elapsed time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		batch := benchBatch(i*size, size)
		for j := range batch {
			for k := range batch[j].Events { // new addresses, as on a first scan
				batch[j].Events[k].Recipient = fmt.Sprintf("n%d.%s", i, batch[j].Events[k].Recipient)
			}
		}
		if _, err := s.SaveBatch(ctx, batch, nil); err != nil {
			b.Fatal(err)
		}
		c0, t0 := cputime.Process(), time.Now()
		b.StartTimer()
		sum, err := s.EvaluatePending(ctx, ev)
		if err != nil {
			b.Fatal(err)
		}
		cpu += cputime.Process() - c0
		elapsed += time.Since(t0)
		addrs += sum.Addresses
	}
	if addrs == 0 {
		b.Fatal("nothing evaluated")
	}
	b.ReportMetric(float64(addrs)/elapsed.Seconds(), "addresses/s")
	b.ReportMetric(float64(addrs)/cpu.Seconds(), "addresses/cpu-s")
}
