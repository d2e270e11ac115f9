// Package export writes the suppression list for a CRM: one row per suppressed or paused
// address, as CSV (RFC 4180, with the CSV-injection neutralisation of OWASP's guidance) or as
// JSON Lines, through an atomic file write, and runs the export flow (Deliver: the listed
// addresses from the store, filtered, marked for export --new against the target's delivery
// baseline, written and recorded). docs/export.md describes the columns and formats.
package export

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/bounce"
)

// Columns are the CSV header and the JSONL keys, in order.
var Columns = []string{"email", "state", "type", "reason", "status", "reply_code", "provider",
	"first_bounce", "last_bounce", "bounces", "window_bounces", "suppressed_until", "rule", "last_diagnostic"}

// MaxDiagnostic is the length, in characters, to which last_diagnostic is trimmed.
const MaxDiagnostic = 200

// Row is one exported address.
type Row struct {
	Email string
	State bounce.State // suppressed or paused
	// Decision is the deciding event: its Type, Reason, Status, ReplyCode, Provider, Rule and
	// Diagnostic (last_diagnostic, cleaned when written: see CleanDiagnostic) are exported.
	Decision        bounce.Event
	FirstBounce     time.Time
	LastBounce      time.Time
	Bounces         int
	WindowBounces   int
	SuppressedUntil time.Time // zero: permanent

	// Change is the change of export --new: ChangeAdded, ChangeChanged or ChangeRemoved (a row
	// with only Email and State, the state the address has now). Writers without
	// Options.Changes skip removed rows and ignore the field otherwise.
	Change string
}

// CleanDiagnostic makes a diagnostic fit one cell: invalid UTF-8 replaced, runs of white space
// (including line breaks and tabs) collapsed to one space, and text longer than MaxDiagnostic
// characters cut to MaxDiagnostic-3 characters followed by "...".
func CleanDiagnostic(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if utf8.RuneCountInString(s) <= MaxDiagnostic {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxDiagnostic-3 {
			return strings.TrimRight(s[:i], " ") + "..."
		}
		n++
	}
	return s
}

// fingerprintVersion starts the hashed data, so that a change of the fields hashed never
// matches an old fingerprint by accident.
const fingerprintVersion = "rebound-row-v1"

// Fingerprint identifies the decision a row carries: a hex SHA-256 of the email, state, type,
// reason, status, reply code, provider, suppressed_until and rule (each length-prefixed). The
// counters, bounce times and diagnostic are left out on purpose: an address that keeps
// bouncing after it was suppressed is not "changed" for `export --new`. A new pause (new
// suppressed_until) or a pause turned into a suppression is.
func (r Row) Fingerprint() string {
	h := sha256.New()
	var n [4]byte
	d := &r.Decision
	for _, f := range []string{fingerprintVersion, r.Email, string(r.State), string(d.Type), string(d.Reason),
		d.Status, d.ReplyCode, d.Provider, formatTime(r.SuppressedUntil), d.Rule} {
		binary.BigEndian.PutUint32(n[:], uint32(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// formatTime renders a time as RFC 3339 in UTC, to the second; the zero time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
