package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/reboundhq/rebound/internal/pgtest"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(stopPostgres{m}, map[string]func(){
		"rebound": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// stopPostgres runs the tests and then stops the PostgreSQL cluster they started, if any.
type stopPostgres struct{ m *testing.M }

func (s stopPostgres) Run() int { return pgtest.Main(s.m) }

// TestScript runs the CLI scenarios in testdata/script/*.txtar. $FIXTURES is the project's
// testdata/ folder, so scripts can scan the composed sample mailboxes.
//
// Besides testscript's commands, scripts have "status N PROGRAM ARGS...": it runs the program
// like exec and fails unless it exits with status N (README.md, "Exit status").
func TestScript(t *testing.T) {
	fixtures, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"status": cmdStatus},
		// [postgres]: the scripts run against PostgreSQL ($REBOUND_TEST_BACKEND=postgres,
		// `make test`); $REBOUND_DB is then a new database of internal/pgtest's cluster.
		Condition: func(cond string) (bool, error) {
			if cond == "postgres" {
				return os.Getenv("REBOUND_TEST_BACKEND") == "postgres", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("FIXTURES", fixtures)
			env.Setenv("REBOUND_DB", filepath.Join(env.WorkDir, "rebound.db"))
			if os.Getenv("REBOUND_TEST_BACKEND") == "postgres" {
				env.Setenv("REBOUND_DB", pgtest.URL(env.T().(testing.TB)))
			}
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, "xdg"))
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}

// cmdStatus is the script command "status N PROGRAM ARGS...".
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %q is not an exit status", args[0])
	}
	got := 0
	var ee *exec.ExitError
	if err := ts.Exec(args[1], args[2:]...); errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}
