package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// Bulk writes (PostgreSQL). SQLite answers SaveBatch's statements in-process, a few
// microseconds each; a PostgreSQL server answers each after a round trip, so the row-by-row
// path (one INSERT per message, per content key and per recipient) spends most of a scan
// waiting. On PostgreSQL, SaveBatch instead reads which of the batch's message keys and content
// keys are stored (one query per maxParams keys), decides in Go what the row-by-row path would
// have done, message by message, and writes the new rows with multi-row INSERTs of bulkRows rows
// each: a batch of 1,000 messages takes about ten round trips instead of about 3,000. This is
// safe because every write transaction holds the write lock (lock_writes) before it reads: no
// other process inserts between the reads and the writes. Events get their ids from the
// identity sequence first (bulk_event_ids), in the messages' order, as the row-by-row inserts
// give them; the evaluation mark relies on that order (evaluate.go).
//
// A database with messages stored before content keys (legacy_messages has rows) takes the
// row-by-row path: recognising their copies needs a lookup per message (contents.go).

// bulkRows is how many rows one multi-row INSERT writes (the events' 23 columns: 11,500
// parameters, under PostgreSQL's 65,535).
const bulkRows = 500

// rowsQuery returns the multi-row statement NAME with its {{rows}} expanded to n tuples of cols
// placeholders: queries/DIALECT/NAME.sql, a statement only that dialect has (the bulk writes of
// PostgreSQL), or else queries/NAME.sql, one both use (SQLite with one tuple).
func rowsQuery(d *dialect, name string, n, cols int) string {
	b, err := queryFS.ReadFile("queries/" + d.name + "/" + name + ".sql")
	text := string(b)
	if err != nil {
		text = query(name)
	}
	one := "(" + placeholders(cols) + ")"
	return strings.Replace(text, "{{rows}}", strings.Repeat(one+", ", n-1)+one, 1)
}

// execRows runs the multi-row statement NAME on rows (each of cols values, flattened),
// bulkRows rows per statement.
func execRows(ctx context.Context, tx *txn, name string, cols int, rows []any) error {
	for len(rows) > 0 {
		n := min(len(rows)/cols, bulkRows)
		if _, err := tx.ExecContext(ctx, rowsQuery(tx.d, name, n, cols), rows[:n*cols]...); err != nil {
			return err
		}
		rows = rows[n*cols:]
	}
	return nil
}

// bulkSaved is what saveBulk stored: the events' ids and the events as the policy sees them
// (for EvaluatePending: recent.go), and how many messages were new.
type bulkSaved struct {
	ids      []int64
	evs      []bounce.Event
	inserted int
}

// saveBulk stores msgs as SaveBatch's row-by-row loop does, with bulk reads and writes. It sets
// each message's Stored and DuplicateOf.
func saveBulk(ctx context.Context, tx *txn, host string, msgs []Message, now time.Time) (bulkSaved, error) {
	var out bulkSaved
	keys := make([]string, 0, len(msgs))
	var contents []string
	for i := range msgs {
		keys = append(keys, host+msgs[i].Key)
		if msgs[i].ContentKey != "" {
			contents = append(contents, storedContentKey(&msgs[i]))
		}
	}
	stored := map[string]bool{}
	err := chunks(keys, func(part []string) error {
		return eachString(ctx, tx, listQuery("known", len(part)), anys(part), func(k, _ string) { stored[k] = true })
	})
	if err != nil {
		return out, err
	}
	owners := map[string]string{}
	slices.Sort(contents)
	contents = slices.Compact(contents)
	err = chunks(contents, func(part []string) error {
		q := strings.Replace(dialectQuery(tx.d.name, "bulk_content_owners"), "{{list}}", placeholders(len(part)), 1)
		return eachString(ctx, tx, q, anys(part), func(ck, key string) { owners[ck] = key })
	})
	if err != nil {
		return out, err
	}

	var newContents, newMsgs, newEvents []any
	type pending struct {
		m       *Message
		scanned int64
	}
	var withEvents []pending
	for i := range msgs {
		orig := &msgs[i]
		m := *orig
		m.Key = host + orig.Key
		scanned := m.ScannedAt
		if scanned.IsZero() {
			scanned = now
		}
		// The content's owner, as contentStmts.owner finds it: "" when new (now m's).
		owner := ""
		if m.ContentKey != "" {
			ck := storedContentKey(&m)
			if o, ok := owners[ck]; ok {
				owner = o
			} else {
				owners[ck] = m.Key
				newContents = append(newContents, ck, m.Key)
			}
		}
		if owner == m.Key || stored[m.Key] {
			orig.Stored = false
			continue // stored before
		}
		stored[m.Key] = true
		orig.Stored = true
		out.inserted++
		if owner != "" {
			orig.DuplicateOf = owner
			newMsgs = append(newMsgs, m.Key, m.Position, m.Path, OutcomeDuplicate, nil, nil, null(m.MessageID),
				null(m.Subject), null(m.From), unix(m.Date), scanned.Unix(), 0, owner)
			continue
		}
		newMsgs = append(newMsgs, m.Key, m.Position, m.Path, m.Outcome, null(m.Error), null(m.Format),
			null(m.MessageID), null(m.Subject), null(m.From), unix(m.Date), scanned.Unix(), len(m.Events), nil)
		if len(m.Events) > 0 {
			withEvents = append(withEvents, pending{&m, scanned.Unix()}) // m: as stored, with the host's prefix
		}
	}
	if err := execRows(ctx, tx, "bulk_insert_contents", 2, newContents); err != nil {
		return out, fmt.Errorf("content keys: %w", err)
	}
	if err := execRows(ctx, tx, "bulk_insert_messages", 13, newMsgs); err != nil {
		return out, fmt.Errorf("messages: %w", err)
	}
	n := 0
	for _, p := range withEvents {
		n += len(p.m.Events)
	}
	if n == 0 {
		return out, nil
	}
	ids, err := eventIDs(ctx, tx, n)
	if err != nil {
		return out, err
	}
	for _, p := range withEvents {
		for j := range p.m.Events {
			e := &p.m.Events[j]
			id := ids[len(out.ids)]
			newEvents = append(newEvents, id, p.m.Key, j+1, NormalizeRecipient(e.Recipient),
				null(e.Action), null(e.Status), null(e.ReplyCode), null(e.Diagnostic),
				null(e.RemoteMTA), null(e.ReportingMTA), string(e.Reason), string(e.Type), boolInt(e.Hard),
				null(e.Provider), null(e.Rule), e.Confidence, unix(e.BouncedAt), null(e.Sender),
				null(e.Subject), null(e.OriginalMessageID), null(e.Campaign),
				null(e.SendingDomain), null(e.FeedbackType))
			out.ids = append(out.ids, id)
			out.evs = append(out.evs, storedEvent(p.m, j, p.scanned))
		}
	}
	if err := execRows(ctx, tx, "bulk_insert_events", 23, newEvents); err != nil {
		return out, fmt.Errorf("events: %w", err)
	}
	return out, nil
}

// eventIDs takes n ids for new events from the identity sequence, in increasing order.
func eventIDs(ctx context.Context, tx *txn, n int) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, dialectQuery(tx.d.name, "bulk_event_ids"), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("event ids: got %d, want %d", len(ids), n)
	}
	slices.Sort(ids)
	return ids, nil
}

// eachString runs a query whose rows are one or two strings and calls fn with each row.
func eachString(ctx context.Context, tx *txn, q string, args []any, fn func(a, b string)) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	var a, b string
	dst := []any{&a, &b}[:len(cols)]
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			return err
		}
		fn(a, b)
	}
	return rows.Err()
}
