package main

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// TestMemoryLimit checks the default soft memory limit, and that GOMEMLIMIT, when set, is left
// to decide it (a user who sets it gets what they asked for).
func TestMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })

	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "1GiB")
	setMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set: limit %d, want it left alone", got)
	}

	t.Setenv("GOMEMLIMIT", "") // set but empty counts as set; unset it for the default
	if err := os.Unsetenv("GOMEMLIMIT"); err != nil {
		t.Fatal(err)
	}
	setMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != defaultMemoryLimit {
		t.Errorf("without GOMEMLIMIT: limit %d, want %d", got, defaultMemoryLimit)
	}
}

// TestGCPercent checks parse's collector target: set while parse runs and put back after,
// and left to GOGC when the user set it.
func TestGCPercent(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })

	t.Setenv("GOGC", "") // restored after the test; unset it for the default
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
	restore := setGCPercent(parseGCPercent)
	if got := debug.SetGCPercent(parseGCPercent); got != parseGCPercent {
		t.Errorf("without GOGC: target %d, want %d", got, parseGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("after parse: target %d, want 100 back", got)
	}

	t.Setenv("GOGC", "50")
	setGCPercent(parseGCPercent)()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set: target %d, want it left alone", got)
	}
}
