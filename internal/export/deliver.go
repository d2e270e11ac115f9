package export

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"slices"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/store"
)

// ListStates are the states an export can list: the suppression list and the review list.
var ListStates = []bounce.State{bounce.StateSuppressed, bounce.StatePaused, bounce.StateReview}

// Filter selects the listed addresses an export writes.
type Filter struct {
	States    []bounce.State // effective states, from ListStates
	Types     []string       // of the deciding bounce; none: any
	Providers []string       // none: any
	Since     time.Time      // entered their state at or after; zero: any time
}

// Match reports whether a listed address (its state effective now) passes the filter.
func (f *Filter) Match(r *store.StateRow) bool {
	return slices.Contains(f.States, r.State) &&
		(len(f.Types) == 0 || slices.Contains(f.Types, r.Type)) &&
		(len(f.Providers) == 0 || slices.Contains(f.Providers, r.Provider)) &&
		(f.Since.IsZero() || !r.Since.Before(f.Since))
}

// DeliverOptions say what Deliver writes, where, and whether it is recorded.
type DeliverOptions struct {
	Now     time.Time // the states effective now are listed
	Format  Format
	Filter  Filter
	Changes bool // export --new: only new and changed rows, and those that left the list
	Options Options
	Record  *store.Export // the export as recorded; nil: not recorded
	Out     string        // file to write (atomically, WriteFile); "" or "-": Stdout
	Perm    fs.FileMode   // of a new file; 0: the replaced file's, else 0640
	Stdout  io.Writer
}

// Delivery is what Deliver wrote.
type Delivery struct {
	Result store.ExportResult
	Bad    []string // listed addresses that are not valid addresses: not written
	Target string   // where, for people: "standard output", or the file
}

// Deliver writes the suppression list of the store in address order, as the rows are read, so
// that memory stays flat however long the list (docs/export.md): the listed addresses that
// pass the filter, with --new only those new or changed since the last delivered export and
// the addresses that left the list. With o.Record the export is recorded as delivered, in the
// transaction that reads the list (store.Export). Errors of the file written (ErrOwner, ...)
// come back unchanged.
func Deliver(ctx context.Context, st *store.Store, o DeliverOptions) (Delivery, error) {
	d := Delivery{Target: "standard output"}
	toFile := o.Out != "" && o.Out != "-"
	var err error
	d.Result, err = st.Export(ctx, o.Now, ListStates, o.Record, func(lr *store.Lister) error {
		if !toFile {
			return d.write(o.Stdout, lr, &o)
		}
		kind, err := WriteFile(o.Out, FileOptions{Perm: o.Perm}, func(w io.Writer) error { return d.write(w, lr, &o) })
		d.Target = o.Out
		if kind == Device {
			d.Target += " (written to, not replaced: not a regular file)"
		}
		return err
	})
	return d, err
}

// write writes the rows of one delivery to w.
func (d *Delivery) write(w io.Writer, lr *store.Lister, o *DeliverOptions) error {
	ew, err := NewWriter(w, o.Format, o.Options)
	if err != nil {
		return err
	}
	err = lr.List(func(l *store.Listed) (string, error) {
		if !o.Filter.Match(l.State) {
			return "", nil
		}
		row := RowOf(l.State)
		fp := row.Fingerprint()
		if o.Changes {
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
	})
	if err != nil {
		return err
	}
	if o.Changes {
		err = lr.Left(func(addr string, st bounce.State) error {
			if st == "" {
				st = bounce.StateActive
			}
			err := ew.Write(Row{Email: addr, State: st, Change: ChangeRemoved})
			if errors.Is(err, ErrBadAddress) {
				d.Bad = append(d.Bad, addr)
				return nil
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return ew.Flush()
}

// RowOf turns a stored state into an export row: the deciding event fills type, reason,
// codes, provider, rule and diagnostic (docs/export.md). The writer cleans the diagnostic.
func RowOf(r *store.StateRow) Row {
	return Row{
		Email: r.Address, State: r.State, Type: bounce.Type(r.Type), Reason: bounce.Reason(r.Reason),
		Status: r.Status, ReplyCode: r.ReplyCode, Provider: r.Provider, FirstBounce: r.FirstBounce,
		LastBounce: r.LastBounce, Bounces: r.Bounces, WindowBounces: r.SoftCount,
		SuppressedUntil: r.SuppressedUntil, Rule: r.Rule, LastDiagnostic: r.Diagnostic,
	}
}
