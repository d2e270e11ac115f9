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
	before := Process()
	deadline := time.Now().Add(50 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	if after := Process(); after-before < 10*time.Millisecond {
		t.Errorf("CPU time grew by %v after 50 ms of busy loop (%d rounds)", after-before, x)
	}
}
