package report

import (
	"os/exec"
	"strings"
	"testing"
)

// PromtoolCheck runs `promtool check metrics` (Debian package prometheus; .ci/run installs it)
// on metrics, and skips the test when promtool is not installed.
func PromtoolCheck(t *testing.T, metrics string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (apt-get install prometheus): the exposition format is not checked by it")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(metrics)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\n%s", err, out, metrics)
	}
}

// TestPromtoolCheckFails checks that the check above can fail: promtool rejects a metric
// without its TYPE line's counter suffix and an invalid escape.
func TestPromtoolCheckFails(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader("# HELP x_total y\n# TYPE x_total counter\nx_total{a=\"b\\q\"} 1\n")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("promtool accepted an invalid escape: %s", out)
	}
}
