package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const helperEnv = "REBOUND_STORE_WRITER_DB"

// TestWriterProcess is the child of TestKilledMidBatch: it saves batches of 1000 fresh
// messages until killed, printing a line after each commit.
func TestWriterProcess(t *testing.T) {
	p := os.Getenv(helperEnv)
	if p == "" {
		t.Skip("helper process for TestKilledMidBatch")
	}
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		if _, err := s.SaveBatch(context.Background(), benchBatch(i*1000, 1000), nil); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("saved %d\n", i)
	}
}

// TestKilledMidBatch kills a writing process with SIGKILL at various points and checks that the
// database is intact, that whole batches survived and that a rerun completes it exactly once.
func TestKilledMidBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for round, delay := range []time.Duration{0, 3 * time.Millisecond, 11 * time.Millisecond, 17 * time.Millisecond} {
		p := filepath.Join(t.TempDir(), "rebound.db")
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriterProcess$", "-test.v")
		cmd.Env = append(os.Environ(), helperEnv+"="+p)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		saved := 0
		for sc.Scan() && saved < 2+round {
			if strings.HasPrefix(sc.Text(), "saved ") {
				saved++
			}
		}
		time.Sleep(delay)
		cmd.Process.Kill()
		cmd.Wait()
		if saved < 2+round {
			t.Fatalf("round %d: the writer stopped after %d batches", round, saved)
		}

		s, err := Open(p)
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		var check string
		if err := s.db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			t.Fatalf("round %d: integrity_check %q, %v", round, check, err)
		}
		n := count(t, s, "messages")
		if n%1000 != 0 || n < saved*1000 {
			t.Errorf("round %d: %d messages after %d committed batches of 1000", round, n, saved)
		}
		// Rerun the first batches and one more, as a new scan would.
		total := n/1000 + 1
		inserted := 0
		for i := range total {
			k, err := s.SaveBatch(context.Background(), benchBatch(i*1000, 1000), nil)
			if err != nil {
				t.Fatal(err)
			}
			inserted += k
		}
		if inserted != 1000 {
			t.Errorf("round %d: rerun inserted %d, want 1000", round, inserted)
		}
		checkOneCopy(t, s, total*1000)
		s.Close()
	}
}
