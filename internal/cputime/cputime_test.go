package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestProcessGrows: CPU spent between two readings shows in the second (on Unix, where the
// benchmarks' msgs/cpu-s figures come from it).
func TestProcessGrows(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no CPU time on " + runtime.GOOS)
	}
	// Busy until the process's CPU time grows by 10 ms: on a loaded machine 50 ms of wall time
	// gave this goroutine as little as 6 ms of CPU, so the bound is on CPU time, and the wall
	// time only stops a Process that never grows.
	before := Process()
	start := time.Now()
	x := 0
	for Process()-before < 10*time.Millisecond {
		for range 100_000 {
			x++
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("CPU time grew by %v in 10 s of busy loop (%d rounds)", Process()-before, x)
		}
	}
}
