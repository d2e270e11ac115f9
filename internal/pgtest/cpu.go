package pgtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ServerCPU returns the CPU time the cluster's server processes have used so far: the
// postmaster's, that of the backends it has reaped (a connection's backend ends with it) and that
// of its living processes, read from Linux's /proc. It returns 0 for the server of
// $REBOUND_TEST_PG or where /proc cannot tell. Benchmarks take the difference over their loop,
// beside the client's CPU.
func (c *Cluster) ServerCPU() time.Duration {
	if c == nil || c.Dir == "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(c.Dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
	f := procStat(pid)
	if f == nil {
		return 0
	}
	ticks := f[11] + f[12] + f[13] + f[14] // utime, stime, cutime, cstime
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		if g := procStat(p.Name()); g != nil && strconv.FormatInt(g[1], 10) == pid {
			ticks += g[11] + g[12]
		}
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ is 100 on Linux
}

// procStat returns the numeric fields of /proc/PID/stat after the command's name, numbered as
// proc(5) numbers them minus 3 (f[1] is the parent, f[11] utime), or nil.
func procStat(pid string) []int64 {
	if _, err := strconv.Atoi(pid); err != nil {
		return nil
	}
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 15 {
		return nil
	}
	out := make([]int64, 15)
	for k := range out {
		out[k], _ = strconv.ParseInt(fields[k], 10, 64)
	}
	return out
}
