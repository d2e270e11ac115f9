package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// EnsureMeta returns the meta value of key, setting it to value first when it has none: of two
// processes that set it at once, the first wins and both return its value.
func (s *Store) EnsureMeta(ctx context.Context, key, value string) (string, error) {
	var got string
	err := s.write(ctx, "set "+key, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, query("meta_insert"), key, value); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, query("meta_get"), key).Scan(&got)
	})
	return got, err
}

// Meta returns the meta value of key, and false when it has none.
func (s *Store) Meta(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, query("meta_get"), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, classify(s.path, "read "+key, err)
	}
	return v, true, nil
}

// PseudonymCandidates returns the addresses to pseudonymise at now: those whose every event
// is older than cutoff and that are not kept in clear (suppressed, under review, in a pause
// that has not ended, on the list last exported), and the malformed recipients whose every
// event is older than cutoff. Call EvaluatePending first.
func (s *Store) PseudonymCandidates(ctx context.Context, cutoff, now time.Time) (addrs, malformed []string, err error) {
	err = s.read(ctx, "list the addresses to pseudonymise", func(tx *txn) error {
		if addrs, err = strings1(ctx, tx, query("pseudo_candidates"), now.Unix(), now.Unix(), cutoff.Unix()); err != nil {
			return err
		}
		malformed, err = strings1(ctx, tx, query("pseudo_malformed_candidates"), cutoff.Unix())
		return err
	})
	return addrs, malformed, err
}

// Pseudonym is one address (or malformed recipient) to replace by its pseudonym.
type Pseudonym struct {
	Address   string // normalised address, or the malformed recipient
	Malformed bool   // Address is a malformed recipient: only its events move
	Pseudonym string // what replaces it
}

// Redactors remove addresses from texts: Of(addr) the address and its local part from the
// texts of its own rows (made once per address, while it is replaced), All every address
// replaced from any other text.
type Redactors struct {
	Of  func(addr string) func(string) string
	All func(string) string
}

// PseudonymSummary is what Pseudonymise did.
type PseudonymSummary struct {
	Addresses int  // addresses and malformed recipients replaced by their pseudonyms
	Events    int  // events that now carry a pseudonym
	Compacted bool // the file was rewritten (VACUUM) and the WAL emptied: no old page is left
}

// Pseudonymise replaces, in one transaction, each address of ps by its pseudonym everywhere it
// is stored: the recipient of its events (with their diagnostic and the original Message-ID
// redacted, the original subject removed), its recipient spellings, its state (diagnostic
// redacted), audit trail, overrides (reasons redacted) and export history, and redacts the
// subject and error text of the messages of its events (with r.Of); then r.All, which removes
// every address of ps, is applied to every stored text that quotes an address (another recipient's
// diagnostic, the sender of an auto-reply). Deleted and changed rows are zeroed
// (secure_delete); then, unless dry, the file is rebuilt (VACUUM) and the WAL checkpointed and
// truncated, so that no copy of the old texts stays in free pages or the WAL. A reader holding
// the WAL open at that moment keeps it from being emptied: Compacted says so.
func (s *Store) Pseudonymise(ctx context.Context, ps []Pseudonym, r Redactors, dry bool) (PseudonymSummary, error) {
	var sum PseudonymSummary
	err := s.write(ctx, "pseudonymise", func(tx *txn) error {
		if err := tx.secureDelete(ctx); err != nil {
			return err
		}
		for _, p := range ps {
			n, err := pseudonymiseOne(ctx, tx, p, r.Of(p.Address))
			if err != nil {
				return fmt.Errorf("pseudonymise: %w", err)
			}
			sum.Addresses++
			sum.Events += n
		}
		if len(ps) > 0 {
			if err := redactTexts(ctx, tx, r.All); err != nil {
				return fmt.Errorf("pseudonymise: %w", err)
			}
		}
		if dry {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) || err != nil || len(ps) == 0 {
		if errors.Is(err, errDryRun) {
			err = nil
		}
		return sum, err
	}
	sum.Compacted, err = s.compact(ctx)
	return sum, err
}

// compact rebuilds the file without free pages and empties the WAL; false when a reader kept
// the WAL from being emptied.
func (s *Store) compact(ctx context.Context) (bool, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.db.d == postgresDialect {
		// VACUUM FULL writes the tables anew, so that the replaced addresses and texts do not
		// stay in dead rows of the old files (docs/postgres.md).
		if _, err := s.db.ExecContext(ctx, "VACUUM FULL"); err != nil {
			return false, classify(s.path, "vacuum", err)
		}
		return true, nil
	}
	if _, err := s.db.ExecContext(ctx, "VACUUM"); err != nil {
		return false, classify(s.path, "vacuum", err)
	}
	var busy, logFrames, checkpointed int
	if err := s.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed); err != nil {
		return false, classify(s.path, "checkpoint", err)
	}
	return busy == 0, nil
}

// pseudonymiseOne replaces one address; it returns the number of events changed.
func pseudonymiseOne(ctx context.Context, tx *txn, p Pseudonym, redact func(string) string) (int, error) {
	spellings := []string{p.Address}
	if !p.Malformed {
		var err error
		if spellings, err = strings1(ctx, tx, query("pseudo_recipients_of"), p.Address); err != nil {
			return 0, err
		}
	}
	events := 0
	for _, r := range spellings {
		n, err := pseudonymiseEvents(ctx, tx, r, p, redact)
		if err != nil {
			return 0, err
		}
		events += n
		if _, err := tx.ExecContext(ctx, query("pseudo_drop_recipient"), r); err != nil {
			return 0, err
		}
	}
	if p.Malformed {
		_, err := tx.ExecContext(ctx, query("policy_upsert_address"), p.Pseudonym, nil, "pseudonymised malformed recipient")
		return events, err
	}
	if _, err := tx.ExecContext(ctx, query("policy_upsert_address"), p.Pseudonym, p.Pseudonym, nil); err != nil {
		return 0, err
	}
	return events, moveAddress(ctx, tx, p, redact)
}

// pseudonymiseEvents gives the events of one recipient spelling the pseudonym.
func pseudonymiseEvents(ctx context.Context, tx *txn, recipient string, p Pseudonym, redact func(string) string) (int, error) {
	type row struct {
		id                   int64
		diag, omid           sql.NullString
		key                  string
		msgSubject, msgError sql.NullString
	}
	rows, err := tx.QueryContext(ctx, query("pseudo_events_of"), recipient)
	if err != nil {
		return 0, err
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.diag, &r.omid, &r.key, &r.msgSubject, &r.msgError); err != nil {
			rows.Close()
			return 0, err
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range rs {
		if _, err := tx.ExecContext(ctx, query("pseudo_event"), p.Pseudonym, redactNull(r.diag, redact),
			redactNull(r.omid, redact), r.id); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, query("pseudo_message"), redactNull(r.msgSubject, redact),
			redactNull(r.msgError, redact), r.key); err != nil {
			return 0, err
		}
	}
	return len(rs), nil
}

// moveAddress moves the state, audit trail, overrides and export history of an address to its
// pseudonym.
func moveAddress(ctx context.Context, tx *txn, p Pseudonym, redact func(string) string) error {
	var diag sql.NullString
	hasState := true
	if err := tx.QueryRowContext(ctx, query("pseudo_state_of"), p.Address).Scan(&diag); errors.Is(err, sql.ErrNoRows) {
		hasState = false
	} else if err != nil {
		return err
	}
	var taken sql.NullString
	pseudoHasState := true
	if err := tx.QueryRowContext(ctx, query("pseudo_state_of"), p.Pseudonym).Scan(&taken); errors.Is(err, sql.ErrNoRows) {
		pseudoHasState = false
	} else if err != nil {
		return err
	}
	switch {
	case hasState && pseudoHasState:
		for _, q := range []string{"pseudo_drop_state", "pseudo_drop_transitions"} {
			if _, err := tx.ExecContext(ctx, query(q), p.Address); err != nil {
				return err
			}
		}
		// The pseudonym's state did not take the events that join it now.
		if _, err := tx.ExecContext(ctx, query("pseudo_clear_carry"), p.Pseudonym); err != nil {
			return err
		}
	case hasState:
		if _, err := tx.ExecContext(ctx, query("pseudo_state"), p.Pseudonym, redactNull(diag, redact), p.Address); err != nil {
			return err
		}
		if err := moveTransitions(ctx, tx, p, redact); err != nil {
			return err
		}
	}
	if err := moveOverrides(ctx, tx, p, redact); err != nil {
		return err
	}
	// An address a running scan left for an evaluation from all its events (policy_deferred)
	// passes that on to its pseudonym.
	if _, err := tx.ExecContext(ctx, query("pseudo_deferred"), p.Pseudonym, p.Address); err != nil {
		return err
	}
	if err := execList(ctx, tx, "policy_delete_deferred", []string{p.Address}); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, query("pseudo_export_changes"), p.Pseudonym, p.Address)
	return err
}

func moveTransitions(ctx context.Context, tx *txn, p Pseudonym, redact func(string) string) error {
	steps, err := keyedTexts(ctx, tx, "pseudo_transitions_of", p.Address)
	if err != nil {
		return err
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, query("pseudo_transitions"), p.Pseudonym, redactNull(s.text, redact), p.Address, s.key); err != nil {
			return err
		}
	}
	return nil
}

func moveOverrides(ctx context.Context, tx *txn, p Pseudonym, redact func(string) string) error {
	os, err := keyedTexts(ctx, tx, "pseudo_overrides_of", p.Address)
	if err != nil {
		return err
	}
	for _, o := range os {
		if _, err := tx.ExecContext(ctx, query("pseudo_override"), p.Pseudonym, redactNull(o.text, redact), o.key); err != nil {
			return err
		}
	}
	return nil
}

// keyedText is a row's key (a sequence number or id) and text.
type keyedText struct {
	key  int64
	text sql.NullString
}

// keyedTexts reads the rows of query name, each a key and a text, all before any is changed.
func keyedTexts(ctx context.Context, tx *txn, name string, args ...any) ([]keyedText, error) {
	rows, err := tx.QueryContext(ctx, query(name), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []keyedText
	for rows.Next() {
		var k keyedText
		if err := rows.Scan(&k.key, &k.text); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func redactNull(s sql.NullString, redact func(string) string) any {
	if !s.Valid {
		return nil
	}
	return redact(s.String)
}
