package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
)

// Exit statuses. They are documented in README.md ("Exit status"); keep the two in step.
const (
	exitOK          = 0   // the command finished (undecodable messages do not change this)
	exitFailure     = 1   // the command stopped on an error (I/O, interrupted, ...)
	exitUsage       = 2   // bad command line: unknown flag, missing argument, invalid value
	exitDatabase    = 3   // the database cannot be used: corrupt, read-only, newer schema, disk full
	exitPartialRead = 4   // the scan finished but one or more PATH arguments could not be read
	exitAlert       = 5   // recommend/stats --fail-on: a finding at or above the level exists
	exitInterrupted = 130 // stopped by SIGINT (Ctrl-C): 128 + 2, as shells report it
	exitTerminated  = 143 // stopped by SIGTERM: 128 + 15
)

// cliError is an error with an exit status and an optional hint for the user.
type cliError struct {
	code int
	err  error
	hint string
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

// usageError marks err as a command-line mistake.
func usageError(format string, args ...any) error {
	return &cliError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// withHint wraps err with an exit status and a hint.
func withHint(code int, err error, hint string) error {
	return &cliError{code: code, err: err, hint: hint}
}

// errPartial is returned by scan, parse and explain when some paths could not be read; they
// were reported already, each with its reason.
var errPartial = &cliError{code: exitPartialRead, err: errors.New("some paths could not be read"),
	hint: "the other paths were read; check the paths named above (a maildir is the folder that holds cur/ and new/)"}

// exitStatus prints err, if any, as "rebound: ..." with its hint, and returns the exit status.
func exitStatus(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	code := exitFailure
	hint := ""
	var ce *cliError
	if errors.As(err, &ce) {
		code, hint = ce.code, ce.hint
	} else if isUsage(err) {
		code = exitUsage
		hint = "run 'rebound --help' for usage"
	}
	if code, hint2, ok := storeExit(err); ok && ce == nil {
		return printErr(w, err, pick(hint, hint2), code)
	}
	return printErr(w, err, hint, code)
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func printErr(w io.Writer, err error, hint string, code int) int {
	msg := err.Error()
	// Errors from libraries sometimes carry their own "; hint: ..."; print one hint, on its own
	// line (the explicit one when there are both).
	if i := strings.Index(msg, "; hint: "); i >= 0 {
		if hint == "" {
			hint = msg[i+len("; hint: "):]
		}
		msg = msg[:i]
	}
	fmt.Fprintf(w, "rebound: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(w, "hint: %s\n", hint)
	}
	return code
}

// isUsage recognises cobra's own command-line errors.
func isUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "unknown command",
		"flag needs an argument", "invalid argument", "accepts ", "requires at least", "required flag"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// recoverInternal turns a panic of the command into an error line and exit status 1 rather
// than a stack trace and status 2: deferred by run, it names the function that panicked (the
// frame below the deepest panic on the stack, the first one when a deferred function panicked
// again), for the bug report. Panics of other goroutines are not seen here; scan recovers from
// those of each message itself.
func recoverInternal(w io.Writer, code *int) {
	p := recover()
	if p == nil {
		return
	}
	where, panicking := "", false
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for f, more := frames.Next(); more; f, more = frames.Next() {
		switch {
		case f.Function == "runtime.gopanic" || f.Function == "runtime.sigpanic":
			panicking = true
		case panicking && !strings.HasPrefix(f.Function, "runtime."):
			where = fmt.Sprintf(" (in %s, %s:%d)", f.Function[strings.LastIndex(f.Function, "/")+1:],
				f.File[strings.LastIndex(f.File, "/")+1:], f.Line)
			panicking = false
		}
	}
	*code = printErr(w, fmt.Errorf("internal error: %v%s", p, where),
		"this is a bug in rebound: please report it with the command line and the output of 'rebound --version'", exitFailure)
}
