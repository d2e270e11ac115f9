//go:build unix

package mailbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// An fcntl lock held by another process (a delivering MTA) leaves the last message for the
// next run.
func TestMboxFcntlLocked(t *testing.T) {
	if os.Getenv("REBOUND_LOCK_HELPER") != "" {
		f, err := os.OpenFile(os.Getenv("REBOUND_LOCK_HELPER"), os.O_RDWR, 0)
		if err != nil {
			os.Exit(2)
		}
		lk := syscall.Flock_t{Type: syscall.F_WRLCK}
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLKW, &lk); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		var b [1]byte
		os.Stdin.Read(b[:]) // hold the lock until the test closes our standard input
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "mbox")
	write(t, path, "From a\nS: 1\n\nb1\n\nFrom b\nS: 2\n\nb2\n\n")
	settle(t, path)
	cmd := exec.Command(os.Args[0], "-test.run=^TestMboxFcntlLocked$")
	cmd.Env = append(os.Environ(), "REBOUND_LOCK_HELPER="+path)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Skip("cannot start a helper process:", err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	var b [7]byte
	if _, err := out.Read(b[:]); err != nil || string(b[:]) != "locked\n" {
		t.Skip("helper could not lock the file")
	}
	opt := Options{Resume: func(string) (Checkpoint, bool) { return Checkpoint{}, false }}
	if ms := messages(walk(t, opt, path)); len(ms) != 1 {
		t.Errorf("locked mbox:\n%s", summary(ms))
	}
	if ms := messages(walk(t, Options{}, path)); len(ms) != 2 {
		t.Errorf("locked mbox read without checkpoints:\n%s", summary(ms))
	}
}
