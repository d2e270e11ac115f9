package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionString: --version shows the module version and the VCS revision, time and state
// of the build information, and says when there is no revision.
func TestVersionString(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-03-01T08:00:00Z"}, {Key: "vcs.modified", Value: "true"}}
	for _, tt := range []struct {
		main     string
		settings []debug.BuildSetting
		fallback string
		want     string
	}{
		{"v1.2.0", vcs, "", "v1.2.0 (commit 0123456789ab, 2026-03-01T08:00:00Z, modified; go1.26.8)"},
		{"(devel)", vcs[:3], "ignored", "devel (commit 0123456789ab, 2026-03-01T08:00:00Z; go1.26.8)"},
		{"v1.2.0", nil, "", "v1.2.0 (go1.26.8)"}, // go install ...@v1.2.0: the version says it
		{"(devel)", nil, "abcdef012345-dirty", "devel (commit abcdef012345-dirty; go1.26.8)"},
		{"(devel)", nil, "", "devel (no commit recorded: build with 'make build', or go build in a git clone; go1.26.8)"},
	} {
		bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: tt.main}, Settings: tt.settings}
		if got := versionString(bi, tt.fallback); got != tt.want {
			t.Errorf("%s %v %q:\n got %s\nwant %s", tt.main, tt.settings, tt.fallback, got, tt.want)
		}
	}
}

// TestVersionOfMakeBuild: the binary `make build` makes names its commit, in a git clone or a
// worktree, with or without GOFLAGS=-buildvcs=false.
func TestVersionOfMakeBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tool := range []string{"make", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "rebound")
	cmd := exec.Command("make", "-C", root, "build", "BIN="+bin)
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "(commit " + strings.TrimSpace(string(head))[:12]; !strings.Contains(string(out), want) {
		t.Errorf("--version printed %q, want %q in it", out, want)
	}
}
