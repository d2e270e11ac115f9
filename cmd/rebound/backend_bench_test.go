package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/cputime"
	"github.com/reboundhq/rebound/internal/gen"
	"github.com/reboundhq/rebound/internal/pgtest"
)

// BenchmarkScanBackends is a first scan of the generated 50,000-message maildir (recipients
// that bounce again and again) into a new SQLite file and a new PostgreSQL database: by one
// scan ("one"), and by two scans at once, each on its half ("two": 25,000 messages each, as two
// hosts; two Stores with their own connections in this process). On PostgreSQL it also reports
// the server's CPU per message (srv-µs/msg: internal/pgtest's cluster), which the client's
// msgs/cpu-s leaves out.
func BenchmarkScanBackends(b *testing.B) {
	n := benchCount()
	demo := filepath.Join("..", "..", "testdata", "demo", "maildir")
	dir := b.TempDir()
	boxes := map[string]string{}
	for _, c := range []struct {
		name  string
		seed  uint64
		count int
	}{{"whole", 1, n}, {"half1", 1, n / 2}, {"half2", 2, n - n/2}} {
		g, err := gen.Load(gen.Options{Seed: c.seed, Repeat: true}, demo)
		if err != nil {
			b.Fatal(err)
		}
		boxes[c.name] = filepath.Join(dir, c.name)
		if err := g.WriteFile(boxes[c.name], "maildir", c.count); err != nil {
			b.Fatal(err)
		}
	}
	runs := 0
	newDB := func(b *testing.B, backend string) string {
		b.StopTimer()
		defer b.StartTimer()
		runs++
		if backend == "postgres" {
			return pgtest.URL(b)
		}
		return filepath.Join(dir, "scan"+strconv.Itoa(runs)+".db")
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend+"/one", func(b *testing.B) {
			scans, cpu0, srv0 := 0, cputime.Process(), serverCPU(backend)
			for b.Loop() {
				db := newDB(b, backend)
				scans++
				rebound(b, io.Discard, "--db", db, "scan", "--quiet", "--host", "mx1", boxes["whole"])
			}
			reportRate(b, scans*n, cpu0)
			reportServer(b, backend, scans*n, srv0)
		})
		b.Run(backend+"/two", func(b *testing.B) {
			scans, cpu0, srv0 := 0, cputime.Process(), serverCPU(backend)
			for b.Loop() {
				db := newDB(b, backend)
				scans++
				var wg sync.WaitGroup
				codes := make([]int, 2)
				var errs [2]bytes.Buffer
				for i, half := range []string{"half1", "half2"} {
					wg.Go(func() {
						codes[i] = run([]string{"--db", db, "scan", "--quiet", "--host", "mx" + strconv.Itoa(i+1), boxes[half]},
							nil, io.Discard, &errs[i])
					})
				}
				wg.Wait()
				for i, c := range codes {
					if c != 0 {
						b.Fatalf("scan of half %d: exit %d\n%s", i+1, c, errs[i].String())
					}
				}
			}
			reportRate(b, scans*n, cpu0)
			reportServer(b, backend, scans*n, srv0)
		})
	}
}

// serverCPU is the CPU time PostgreSQL's processes have used so far (0 for SQLite).
func serverCPU(backend string) time.Duration {
	if backend != "postgres" {
		return 0
	}
	c, err := pgtest.Get()
	if err != nil {
		return 0
	}
	return c.ServerCPU()
}

// reportServer reports PostgreSQL's CPU per message since srv0.
func reportServer(b *testing.B, backend string, msgs int, srv0 time.Duration) {
	if cpu := serverCPU(backend) - srv0; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(msgs), "srv-µs/msg")
	}
}
