//go:build unix

package main

// TestNightlyJob runs the nightly job as the documentation writes it (README.md,
// "Nightly from cron"; docs/operations.md, "Running nightly") in the environment cron and
// systemd give it: no shell profile, PATH=/usr/bin:/bin, the job's HOME as working folder. Only
// the paths of the example are replaced by the test's own.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The paths the documented job uses, as written there.
const (
	docBinary  = "/usr/local/bin/rebound"
	docDB      = "/var/lib/rebound/rebound.db"
	docMailbox = "/var/mail/bounces/Maildir"
	docOut     = "/srv/crm/suppressions.csv"
)

// cronPaths are the test's stand-ins for the documented paths.
type cronPaths struct {
	home, bin, db, mailbox, out string
}

func newCronPaths(t *testing.T, bin string) cronPaths {
	t.Helper()
	home := t.TempDir()
	p := cronPaths{home: home, bin: bin, db: filepath.Join(home, "lib", "rebound.db"),
		mailbox: filepath.Join(home, "Maildir"), out: filepath.Join(home, "crm", "suppressions.csv")}
	if err := os.MkdirAll(filepath.Dir(p.out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("cp", "-r", filepath.Join("..", "..", "testdata", "demo", "maildir"), p.mailbox).Run(); err != nil {
		t.Fatal(err)
	}
	return p
}

// replace puts the test's paths in a documented command.
func (p cronPaths) replace(cmd string) string {
	return strings.NewReplacer(docBinary, p.bin, docDB, p.db, docMailbox, p.mailbox, docOut, p.out).Replace(cmd)
}

// usesDocPaths checks that the documented job uses the documented paths, which the test
// replaces: the binary's absolute path, --db, the mailbox and the file written.
func usesDocPaths(t *testing.T, job string) {
	t.Helper()
	for _, doc := range []string{docBinary, "--db " + docDB, docMailbox, "--out " + docOut} {
		if !strings.Contains(job, doc) {
			t.Fatalf("the documented job does not use %s: %q", doc, job)
		}
	}
}

// cronEnv is the environment of a cron job (and more than a systemd service has).
func (p cronPaths) cronEnv() []string {
	return []string{"PATH=/usr/bin:/bin", "HOME=" + p.home, "SHELL=/bin/sh", "LOGNAME=rebound"}
}

// checkList checks that the suppression list was written with the demo's permanent suppressions.
func (p cronPaths) checkList(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(p.out)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Count(string(b), "\r\n") - 1
	if !strings.HasPrefix(string(b), "email,state,") || rows < 5 || strings.Contains(string(b), ",paused,") {
		t.Errorf("the suppression list has %d rows:\n%s", rows, b)
	}
}

func TestNightlyJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildRebound(t, t.TempDir())
	t.Run("cron line", func(t *testing.T) { testCronLine(t, bin) })
	t.Run("systemd unit", func(t *testing.T) { testSystemdUnit(t, bin) })
	t.Run("alert line", func(t *testing.T) { testAlertLine(t, bin) })
}

// testAlertLine runs the README's second crontab line (recommend --fail-on): it prints, and
// cron mails, the findings only when one is critical.
func testAlertLine(t *testing.T, bin string) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^    30 6 \* \* \*\s+(.+)$`).FindStringSubmatch(string(readme))
	if m == nil {
		t.Fatal("no alert crontab line (30 6 * * * ...) in README.md")
	}
	if strings.Contains(m[1], "%") || !strings.Contains(m[1], "--fail-on") {
		t.Fatalf("the alert line has a %% or no --fail-on: %q", m[1])
	}
	p := newCronPaths(t, bin)
	scan := exec.Command(bin, "--db", p.db, "scan", "--quiet", p.mailbox)
	if out, err := scan.CombinedOutput(); err != nil {
		t.Fatalf("scan: %v %s", err, out)
	}
	run := func(now string) string {
		c := exec.Command("/bin/sh", "-c", p.replace(m[1]))
		// The demo's bounces are dated November 2026: the job runs on a day after them.
		c.Env, c.Dir = append(p.cronEnv(), "REBOUND_NOW="+now), p.home
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("the alert line failed: %v %s", err, out)
		}
		return string(out)
	}
	// The demo's day before 2026-11-20 has a rejection naming Spamhaus, critical: the findings
	// are printed, with why the status was not 0.
	out := run("2026-11-20T06:30:00Z")
	if !strings.Contains(out, "CRITICAL  blocklist") || !strings.Contains(out, "rebound: --fail-on critical: 1 critical finding") {
		t.Errorf("a night with a critical finding printed %q", out)
	}
	// The day before 2026-11-05 has a typo domain (a warning), the day before 2026-11-25
	// nothing: cron mails nothing.
	for _, now := range []string{"2026-11-05T06:30:00Z", "2026-11-25T06:30:00Z"} {
		if out := run(now); out != "" {
			t.Errorf("%s: a night without critical findings printed %q", now, out)
		}
	}
}

func testCronLine(t *testing.T, bin string) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "## Nightly from cron"); i >= 0 {
		section = section[i:]
	}
	m := regexp.MustCompile(`(?m)^    (15 2 \* \* \*)\s+(.+)$`).FindStringSubmatch(section)
	if m == nil {
		t.Fatal("no crontab line (15 2 * * * ...) in README.md, Nightly from cron")
	}
	line := m[2]
	// Cron turns an unescaped % into a new line, and runs the line with /bin/sh.
	if strings.Contains(line, "%") {
		t.Errorf("the crontab line has a %%, which cron reads as a new line: %q", line)
	}
	usesDocPaths(t, line)
	p := newCronPaths(t, bin)
	cmd := p.replace(line)
	run := func() (string, error) {
		c := exec.Command("/bin/sh", "-c", cmd)
		c.Env, c.Dir = p.cronEnv(), p.home
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		err := c.Run()
		return out.String(), err
	}
	// The first night creates the database; every night prints nothing (cron mails nothing).
	for night := 1; night <= 2; night++ {
		out, err := run()
		if err != nil || out != "" {
			t.Fatalf("night %d: %v, printed %q (cron would mail it)", night, err, out)
		}
		p.checkList(t)
	}
	// A night the mailbox cannot be read: the error is printed (cron mails it), and the list is
	// still written from what is stored.
	if err := os.Rename(p.mailbox, p.mailbox+".moved"); err != nil {
		t.Fatal(err)
	}
	out, _ := run()
	if !strings.Contains(out, "rebound: open "+p.mailbox+": no such file or directory") {
		t.Errorf("an unreadable mailbox printed %q", out)
	}
	p.checkList(t)
	// The same line without --db and the binary's path fails under cron, loudly: it is why they
	// are there.
	bare := strings.NewReplacer(p.bin+" ", "rebound ", "--db "+p.db+" ", "").Replace(cmd)
	c := exec.Command("/bin/sh", "-c", bare)
	c.Env, c.Dir = p.cronEnv(), p.home
	if out, err := c.CombinedOutput(); err == nil || !strings.Contains(string(out), "not found") {
		t.Errorf("without absolute paths: %v %q", err, out)
	}
}

func testSystemdUnit(t *testing.T, bin string) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	starts := regexp.MustCompile(`(?m)^    ExecStart=(.+)$`).FindAllStringSubmatch(string(doc), -1)
	if len(starts) != 2 {
		t.Fatalf("%d ExecStart lines in docs/operations.md, want the scan and the export", len(starts))
	}
	usesDocPaths(t, starts[0][1]+" "+starts[1][1])
	// The unit and the crontab run as the account the set-up creates, which owns the folder of
	// the database (systemd makes it: StateDirectory) and may write the folder of the export.
	for _, want := range []string{
		"\n    useradd --system --home-dir " + filepath.Dir(docDB) + " --shell /usr/sbin/nologin rebound\n",
		"\n    install -d -o rebound -g rebound -m 0750 " + filepath.Dir(docDB) + "\n",
		"\n    install -d -o rebound -g crm -m 2750 " + filepath.Dir(docOut) + "\n",
		"\n    User=rebound\n",
		"\n    StateDirectory=" + strings.TrimPrefix(filepath.Dir(docDB), "/var/lib/") + "\n",
	} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/operations.md, Running nightly, has no line %q", strings.TrimSpace(want))
		}
	}
	p := newCronPaths(t, bin)
	for _, s := range starts {
		// systemd runs ExecStart without a shell, splitting on spaces, with an empty environment.
		args := strings.Fields(p.replace(s[1]))
		c := exec.Command(args[0], args[1:]...)
		c.Env, c.Dir = []string{}, "/"
		if out, err := c.CombinedOutput(); err != nil || len(out) != 0 {
			t.Fatalf("%s: %v, printed %q", s[1], err, out)
		}
	}
	p.checkList(t)
}
