// Package cputime reads the CPU time (user and system) the process has used so far. Benchmarks
// and the large-message test report and compare it: throughput per CPU second is steadier than
// per wall second on a busy, shared machine.
package cputime

import "time"

// Process returns the user and system CPU time of the process so far, or 0 where the system
// does not tell (callers then report wall-clock figures only).
func Process() time.Duration { return process() }
