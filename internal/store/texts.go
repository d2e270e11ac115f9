package store

import (
	"context"
	"database/sql"
	"fmt"
)

// redactTexts applies redact to every stored text that may quote an address: the sender,
// diagnostic, original Message-ID and subject of events, the sender, subject, error and
// Message-ID of messages, and the diagnostic of states. One pass over the rows that hold an
// '@'; only the rows redact changes are written.
func redactTexts(ctx context.Context, tx *txn, redact func(string) string) error {
	for _, t := range []struct{ read, write string }{
		{"pseudo_texts_events", "pseudo_texts_event"},
		{"pseudo_texts_messages", "pseudo_texts_message"},
		{"pseudo_texts_states", "pseudo_texts_state"},
	} {
		if err := redactTable(ctx, tx, t.read, t.write, redact); err != nil {
			return fmt.Errorf("%s: %w", t.read, err)
		}
	}
	return nil
}

// redactTable reads rows of a key and text columns with read, and writes the changed ones with
// write (the texts, then the key).
func redactTable(ctx context.Context, tx *txn, read, write string, redact func(string) string) error {
	rows, err := tx.QueryContext(ctx, query(read))
	if err != nil {
		return err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return err
	}
	var changed [][]any
	for rows.Next() {
		var key any
		texts := make([]sql.NullString, len(cols)-1)
		dest := []any{&key}
		for i := range texts {
			dest = append(dest, &texts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		args, diff := make([]any, 0, len(cols)), false
		for _, s := range texts {
			if !s.Valid {
				args = append(args, nil)
				continue
			}
			r := redact(s.String)
			diff = diff || r != s.String
			args = append(args, r)
		}
		if diff {
			changed = append(changed, append(args, key))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(changed) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, query(write))
	if err != nil {
		return err
	}
	defer st.Close()
	for _, args := range changed {
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}
