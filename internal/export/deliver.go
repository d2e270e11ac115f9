package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/store"
)

// This file is the flow of `rebound export` (docs/export.md): it reads the listed addresses
// from the store, keeps those the filter selects, turns each stored state into a row, marks
// the rows of export --new against the target's delivery baseline, writes them to standard
// output or atomically to a file, and has the store record the delivery in the same
// transaction. It sits here, after internal/pipeline in the flow, because it needs the rows,
// their fingerprints and the writers of this package; it reaches the store directly, as the
// pipeline does.

// ListStates are the states an export can list: the suppression list and the review list.
var ListStates = []bounce.State{bounce.StateSuppressed, bounce.StatePaused, bounce.StateReview}

// Filter selects the listed addresses an export writes. Values within a field are ORed, fields
// ANDed; an empty field selects all.
type Filter struct {
	States    []bounce.State // of ListStates
	Types     []string       // type of the deciding bounce
	Providers []string       // provider id of the deciding bounce
	Since     time.Time      // entered its state at or after
}

// match says whether the filter selects the stored state r, whose effective state is eff, the
// type aside. A row of that type is counted in *asideN (when the other fields select it).
func (f *Filter) match(r *store.StateRow, eff bounce.State, aside string, asideN *int) bool {
	if !slices.Contains(f.States, eff) ||
		(len(f.Providers) > 0 && !slices.Contains(f.Providers, r.Decision.Provider)) ||
		(!f.Since.IsZero() && r.Since.Before(f.Since)) {
		return false
	}
	if aside != "" && string(r.Decision.Type) == aside {
		*asideN++
		return false
	}
	return len(f.Types) == 0 || slices.Contains(f.Types, string(r.Decision.Type))
}

// Request is one export.
type Request struct {
	Now             time.Time // the time of the evaluation: a pause that has ended by then is left out
	Format          Format
	Filter          Filter
	Changes         bool // export --new: only the rows that changed since the baseline, and those that left
	SpreadsheetSafe bool
	Out             string    // the file to write; "" or "-" is Stdout
	Stdout          io.Writer // standard output
	File            FileOptions
	Baseline        store.Baseline // compared with (Changes) and, when recorded, moved; store.Baseline{} for none
	Record          *store.Export  // the delivery to record; nil records nothing
	// Replace lets an export replace a file that no export delivered to before with fewer rows
	// than it has (ShrinkError).
	Replace bool
}

// ShrinkError is the error of an export that would replace a file no export delivered to
// before (in this database) with fewer rows than it has: a list of another tool, or of
// another database (a cron job that took another REBOUND_DB). Nothing is replaced.
type ShrinkError struct {
	Path      string
	Had, Rows int
}

func (e *ShrinkError) Error() string {
	return fmt.Sprintf("it has %d rows, this export %d, and no export of this database was delivered to it: nothing was replaced",
		e.Had, e.Rows)
}

// Delivered is what an export wrote.
type Delivered struct {
	store.ExportResult
	Target string   // the file written ("standard output"), with a note for a device
	Bytes  int64    // bytes written
	Bad    []string // listed addresses that are not valid addresses: not written
	Aside  int      // complaints left out of Mailgun's bounces import (--format mailgun-complaints takes them)
}

// Deliver runs an export. Mailgun keeps complaints in a list of their own, with its own
// import: Mailgun (the bounces import) sets them aside, MailgunComplaints holds nothing else.
// The writer's and the file's errors come back unchanged (ErrOwner among them); database
// errors are *store.Error.
func Deliver(ctx context.Context, st *store.Store, req Request) (Delivered, error) {
	d := Delivered{Target: "standard output"}
	f := req.Filter
	aside := ""
	switch req.Format {
	case Mailgun:
		aside = string(bounce.TypeComplaint)
	case MailgunComplaints:
		f.Types = []string{string(bounce.TypeComplaint)}
	}
	write := func(w io.Writer, lr *store.Lister) error {
		cw := &countWriter{w: w}
		defer func() { d.Bytes = cw.n }()
		ew, err := NewWriter(cw, req.Format, Options{Changes: req.Changes, SpreadsheetSafe: req.SpreadsheetSafe})
		if err != nil {
			return err
		}
		for l, err := range lr.Listed() {
			if err != nil {
				return err
			}
			if !f.match(l.State, l.State.State, aside, &d.Aside) {
				continue
			}
			fp, err := d.listed(ew, l, req.Changes)
			if err != nil {
				return err
			}
			if fp == "" {
				continue
			}
			if err := lr.Deliver(l, fp); err != nil {
				return err
			}
		}
		if req.Changes {
			for gone, err := range lr.Left() {
				if err != nil {
					return err
				}
				if err := d.removed(ew, gone.Address, gone.State); err != nil {
					return err
				}
			}
		}
		return ew.Flush()
	}
	var err error
	d.ExportResult, err = st.Export(ctx, req.Now, ListStates, req.Baseline, req.Record, func(lr *store.Lister) error {
		if req.Out == "" || req.Out == "-" {
			return write(req.Stdout, lr)
		}
		kind, err := WriteFile(req.Out, req.File, func(w io.Writer) error {
			if err := write(w, lr); err != nil {
				return err
			}
			if req.Replace || lr.Known() {
				return nil
			}
			if had, ok := fileRows(req.Out, req.Format); ok && lr.Rows() < had {
				return &ShrinkError{Path: req.Out, Had: had, Rows: lr.Rows()}
			}
			return nil
		})
		d.Target = req.Out
		if kind == Device {
			d.Target += " (written to, not replaced: not a regular file)"
		}
		return err
	})
	return d, err
}

// fileRows counts the rows of the regular file at path, read as an export in format f would
// write it: its lines, less a header line. false for what is not a regular file with rows, and
// for SendGrid's JSON document, which has no lines to count.
func fileRows(path string, f Format) (int, bool) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || isDescriptorPath(path) || fi.Size() == 0 || f == SendGrid {
		return 0, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	lines := bytes.Count(b, []byte{'\n'})
	if b[len(b)-1] != '\n' {
		lines++
	}
	if f.hasHeaderLine() && lines > 0 {
		lines--
	}
	return lines, lines > 0
}

// listed writes the row of a listed address, marked for export --new against the fingerprint
// last delivered to the target, and returns its fingerprint ("" when not written).
func (d *Delivered) listed(ew *Writer, l *store.Listed, changes bool) (string, error) {
	row := RowOf(l.State)
	fp := row.Fingerprint()
	if changes {
		if fp == l.Last {
			return "", nil // delivered before, unchanged
		}
		row.Change = ChangeChanged
		if l.Last == "" {
			row.Change = ChangeAdded
		}
	}
	if err := ew.Write(row); errors.Is(err, ErrBadAddress) {
		d.Bad = append(d.Bad, l.State.Address)
		return "", nil
	} else if err != nil {
		return "", err
	}
	return fp, nil
}

// removed writes the row of an address that left the lists since it was delivered.
func (d *Delivered) removed(ew *Writer, addr string, st bounce.State) error {
	if st == "" {
		st = bounce.StateActive
	}
	err := ew.Write(Row{Email: addr, State: st, Change: ChangeRemoved})
	if errors.Is(err, ErrBadAddress) {
		d.Bad = append(d.Bad, addr)
		return nil
	}
	return err
}

// RowOf turns a stored state into an export row: the deciding event fills type, reason, codes,
// provider, rule and diagnostic (docs/export.md). The writer cleans the diagnostic.
func RowOf(r *store.StateRow) Row {
	return Row{Email: r.Address, State: r.State, Decision: r.Decision, FirstBounce: r.FirstBounce,
		LastBounce: r.LastBounce, Bounces: r.Bounces, WindowBounces: r.SoftCount, SuppressedUntil: r.SuppressedUntil}
}

// countWriter counts the bytes written to w.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ErrSyncName is the error of a --sync value that is neither a name nor a file's path.
var ErrSyncName = errors.New("want a name of letters, digits, '.', '_' and '-' (or the path of a file)")

// BaselineOf returns the delivery baseline of an export to out (docs/export.md, "Delivery
// baselines"): with sync, the sync name (letters, digits, '.', '_' and '-', beginning with a
// letter or a digit) or the file it names (a value with a slash or a backslash); else the file
// out (its absolute, cleaned path); none for standard output ("" or "-"), a device or a pipe.
func BaselineOf(out, sync string) (store.Baseline, error) {
	if sync != "" {
		if strings.ContainsAny(sync, `/\`) || filepath.IsAbs(sync) {
			return fileBaseline(sync)
		}
		for i, r := range sync {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && strings.ContainsRune("._-", r))) {
				return store.Baseline{}, ErrSyncName
			}
		}
		return store.Baseline{Name: sync, Sync: true}, nil
	}
	if out == "" || out == "-" {
		return store.Baseline{}, nil
	}
	if fi, err := os.Stat(out); err == nil && !fi.Mode().IsRegular() {
		return store.Baseline{}, nil
	}
	return fileBaseline(out)
}

// fileBaseline is the baseline of the file at p: its absolute path. Exports recorded before
// baselines were kept apart named the file as given, or absolute.
func fileBaseline(p string) (store.Baseline, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return store.Baseline{}, err
	}
	b := store.Baseline{Name: abs, Targets: []string{p}}
	if abs != p {
		b.Targets = append(b.Targets, abs)
	}
	return b, nil
}
