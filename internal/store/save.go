package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/address"
	"github.com/reboundhq/rebound/internal/bounce"
)

// Outcomes lists the values of Message.Outcome, the fate of a message (the same words as
// scan.Outcome). SaveBatch stores a message whose content it has under another key as
// OutcomeDuplicate, whatever its outcome.
var Outcomes = []string{"bounce", "feedback", "autoreply", "notbounce", "undecodable", "unreadable"}

// OutcomeDuplicate is the stored outcome of a message whose content is stored under another key.
const OutcomeDuplicate = "duplicate"

// Message is one message read from a mailbox, with its events (one per recipient). Strings may
// be empty when unknown (stored as NULL); times may be zero when unknown.
type Message struct {
	Key       string         // stable key from internal/mailbox; required, unique
	Position  string         // "path" or "path:N"
	Path      string         // the file the message is in
	Outcome   string         // one of Outcomes
	Error     string         // why undecodable or unreadable
	Format    string         // the bounce format the decoder recognised
	MessageID string         // Message-ID of the bounce itself
	Subject   string         // Subject of the bounce
	From      string         // From of the bounce
	Date      time.Time      // Date of the bounce
	ScannedAt time.Time      // when it was read; zero means now
	Events    []bounce.Event // in recipient order; stored with Idx 1, 2, ... (the events' Key and Idx are not read)

	// ContentKey identifies the message by its content (internal/mailbox ContentKey); "" when
	// unknown (a message that could not be read). A message whose content key is stored under
	// another message key is a copy of that message: SaveBatch stores it as a duplicate, without
	// its events, so that one bounce counts once however many mailboxes it was read from.
	ContentKey string

	// Stored is set by SaveBatch: true when that call stored the message, false when the key
	// was stored before or the call failed. It spares a caller that counts new messages a Known query.
	Stored bool
	// DuplicateOf is set by SaveBatch on a message it stored as a duplicate: the key of the
	// message with the same content, which holds the events.
	DuplicateOf string
}

// Checkpoint is how far an mbox file has been read: Offset bytes, holding Count messages, whose
// checksum is Check.
type Checkpoint struct {
	Path   string
	Offset int64
	Count  int
	Check  string
}

// SaveBatch stores messages and their events and records mbox checkpoints, all in one
// transaction. A message whose key is already stored is skipped with its events, so saving the
// same batch twice, or from two processes at once, stores each message once. It returns how
// many messages were new. Batches of a few hundred to a few thousand messages are fastest;
// a batch is all or nothing.
//
// A message whose ContentKey belongs to another stored message is stored as a duplicate (its
// key, position and outcome OutcomeDuplicate, no events) and counted in inserted: its key keeps
// a rescan from reading it again. So is a copy of a message stored before content keys existed
// (migration 0005), recognised by the Message-ID and Date of the bounce.
func (s *Store) SaveBatch(ctx context.Context, msgs []Message, checkpoints []Checkpoint) (inserted int, err error) {
	err = s.Write(ctx, "save batch", func(tx *Tx) error {
		inserted, err = tx.SaveBatch(msgs, checkpoints)
		return err
	})
	return inserted, err
}

// SaveBatch stores messages and their events and records mbox checkpoints in the transaction,
// as Store.SaveBatch does. Message.Stored and Message.DuplicateOf say what it stored; they are
// cleared if the transaction does not commit.
func (t *Tx) SaveBatch(msgs []Message, checkpoints []Checkpoint) (inserted int, err error) {
	s, ctx := t.s, t.ctx
	for i := range msgs {
		msgs[i].Stored, msgs[i].DuplicateOf = false, ""
		if err := checkMessage(&msgs[i]); err != nil {
			return 0, err
		}
	}
	legacy, err := s.hasLegacy(ctx)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	n := 0
	for i := range msgs {
		n += len(msgs[i].Events)
	}
	ids := make([]int64, 0, n)        // of the events stored, for EvaluatePending (recent.go)
	evs := make([]bounce.Event, 0, n) // the events stored, as the policy sees them
	var pruned string                 // the prune count they were stored under
	unstore := func() {
		for i := range msgs {
			msgs[i].Stored, msgs[i].DuplicateOf = false, "" // the transaction was rolled back
		}
	}
	save := func(tx *txn) error {
		var err error
		if pruned, err = eventsPruned(ctx, tx); err != nil {
			return err
		}
		if tx.d.bulkSave && !legacy {
			saved, err := saveBulk(ctx, tx, s.host, msgs, now)
			if err != nil {
				return err
			}
			ids, evs, inserted = saved.ids, saved.evs, saved.inserted
		} else if err := s.saveRows(ctx, tx, msgs, legacy, now, &ids, &evs, &inserted); err != nil {
			return err
		}
		if err := addStats(ctx, tx, msgs); err != nil { // the per-day counts of stats.go
			return err
		}
		if len(checkpoints) == 0 {
			return nil
		}
		upCheck, err := tx.PrepareContext(ctx, query("upsert_checkpoint"))
		if err != nil {
			return err
		}
		defer upCheck.Close()
		for _, c := range checkpoints {
			if _, err := upCheck.ExecContext(ctx, s.host+text(c.Path), c.Offset, c.Count, text(c.Check), now.Unix()); err != nil {
				return fmt.Errorf("checkpoint %s: %w", c.Path, err)
			}
		}
		return nil
	}
	if err := save(t.tx); err != nil {
		unstore()
		return 0, classify(s.path, "save batch", err)
	}
	t.aborted = append(t.aborted, unstore)
	t.committed = append(t.committed, func() {
		s.recent.add(ids, evs, pruned)
		s.recent.addAddresses(msgs)
	})
	return inserted, nil
}

// saveRows stores msgs one statement per row (SQLite: save_bulk.go says why PostgreSQL does
// not), appending the ids and events stored and counting the new messages. On SQLite the
// statements are the driver's (rowstmt.go).
func (s *Store) saveRows(ctx context.Context, tx *txn, msgs []Message, legacy bool, now time.Time,
	ids *[]int64, evs *[]bounce.Event, inserted *int) error {
	if !tx.d.lastInsertID {
		return s.saveRowsWith(sqlStmts(ctx, tx), tx.d, msgs, legacy, now, ids, evs, inserted)
	}
	return tx.raw(func(conn any) error {
		prepare, err := driverStmts(ctx, tx.d, conn)
		if err != nil {
			return err
		}
		return s.saveRowsWith(prepare, tx.d, msgs, legacy, now, ids, evs, inserted)
	})
}

func (s *Store) saveRowsWith(prepare prepareFunc, d *dialect, msgs []Message, legacy bool, now time.Time,
	ids *[]int64, evs *[]bounce.Event, inserted *int) error {
	insMsg, err := prepare("insert_message")
	if err != nil {
		return err
	}
	defer insMsg.close()
	rowid := d.lastInsertID
	insertEvent := "insert_event"
	if rowid {
		insertEvent = "insert_event_rowid"
	}
	insEvent, err := prepare(insertEvent)
	if err != nil {
		return err
	}
	defer insEvent.close()
	cs, err := prepareContents(prepare, legacy)
	if err != nil {
		return err
	}
	defer cs.close()
	insDup, err := prepare("insert_duplicate")
	if err != nil {
		return err
	}
	defer insDup.close()
	owners, err := contentOwners(cs, s.host, msgs)
	if err != nil {
		return err
	}
	var args []any // an event's, reused
	for i := range msgs {
		orig := &msgs[i]
		stored := *orig // as stored: the key with the host's prefix
		stored.Key = s.host + orig.Key
		m := &stored
		scanned := m.ScannedAt
		if scanned.IsZero() {
			scanned = now
		}
		owner := owners[i]
		if owner == m.Key {
			continue // stored before
		}
		if owner != "" {
			n, _, err := insDup.exec(m.Key, m.Position, m.Path, null(m.MessageID), null(m.Subject),
				null(m.From), unix(m.Date), scanned.Unix(), owner)
			if err != nil {
				return fmt.Errorf("message %s: %w", m.Position, err)
			}
			if n == 1 {
				orig.Stored, orig.DuplicateOf = true, owner
				*inserted++
			}
			continue
		}
		n, _, err := insMsg.exec(m.Key, m.Position, m.Path, m.Outcome, null(m.Error),
			null(m.Format), null(m.MessageID), null(m.Subject), null(m.From), unix(m.Date),
			scanned.Unix(), len(m.Events))
		if err != nil {
			return fmt.Errorf("message %s: %w", m.Position, err)
		}
		if n == 0 {
			orig.Stored = false
			continue // stored before
		}
		orig.Stored = true
		*inserted++
		for j := range m.Events {
			e := &m.Events[j]
			args = append(args[:0], m.Key, j+1, NormalizeRecipient(e.Recipient),
				null(e.Action), null(e.Status), null(e.ReplyCode), null(e.Diagnostic),
				null(e.RemoteMTA), null(e.ReportingMTA), string(e.Reason), string(e.Type), boolInt(e.Hard),
				null(e.Provider), null(e.Rule), e.Confidence, unix(e.BouncedAt), null(e.Sender),
				null(e.Subject), null(e.OriginalMessageID), null(e.Campaign),
				null(e.SendingDomain), null(e.FeedbackType))
			var id int64
			var stored bool
			if rowid {
				var n int64
				n, id, err = insEvent.exec(args...)
				stored = n == 1
			} else {
				var v any
				v, stored, err = insEvent.one(args...)
				id = asInt64(v)
			}
			if err != nil {
				return fmt.Errorf("message %s, recipient %d: %w", m.Position, j+1, err)
			}
			if stored { // else stored before
				*ids = append(*ids, id)
				*evs = append(*evs, storedEvent(m, j, scanned.Unix()))
			}
		}
	}
	return nil
}

// contentOwners records the content keys of msgs (their keys with the host's prefix) and
// returns, per message, the key of the message that holds its content (contentStmts.owner). It
// takes them in the order of their stored content keys, copies of one message in the batch in
// mailbox order: a mailbox out of time order (one that goes back years every few hundred
// messages, as the Sisimai corpus copied into one mbox) has its keys on pages all over the
// table, and taken in key order the keys of a batch that share a page share its read and its
// write. The 1.07 GB copied mbox: 35.0-35.2 s of CPU instead of 39.3-39.7 (docs/performance.md).
func contentOwners(cs *contentStmts, host string, msgs []Message) ([]string, error) {
	keys := make([]string, len(msgs))
	order := make([]int, len(msgs))
	for i := range msgs {
		order[i] = i
		if msgs[i].ContentKey != "" {
			keys[i] = storedContentKey(&msgs[i])
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	owners := make([]string, len(msgs))
	for _, i := range order {
		m := msgs[i]
		m.Key = host + m.Key
		o, err := cs.owner(&m, keys[i])
		if err != nil {
			return nil, fmt.Errorf("message %s: %w", m.Position, err)
		}
		owners[i] = o
	}
	return owners, nil
}

func checkMessage(m *Message) error {
	for _, p := range []*string{&m.Key, &m.Position, &m.Path, &m.Error, &m.Format, &m.MessageID, &m.Subject, &m.From, &m.ContentKey} {
		*p = text(*p)
	}
	for i := range m.Events {
		e := &m.Events[i]
		for _, p := range []*string{&e.Recipient, &e.Action, &e.Status, &e.ReplyCode, &e.Diagnostic, &e.RemoteMTA,
			&e.ReportingMTA, &e.Provider, &e.Rule, &e.Sender, &e.Subject, &e.OriginalMessageID,
			&e.Campaign, &e.SendingDomain, &e.FeedbackType} {
			*p = text(*p)
		}
		e.Reason, e.Type = bounce.Reason(text(string(e.Reason))), bounce.Type(text(string(e.Type)))
	}
	if m.Key == "" {
		return fmt.Errorf("store: message %q has no key", m.Position)
	}
	if !slices.Contains(Outcomes, m.Outcome) {
		return fmt.Errorf("store: message %s: unknown outcome %q", m.Position, m.Outcome)
	}
	return nil
}

// text is the form strings are stored in: valid UTF-8 without NUL bytes, each invalid sequence
// and NUL replaced by U+FFFD. PostgreSQL's text refuses both; SQLite stores them as given, so
// both backends store text this way, and read the same back (docs/postgres.md).
func text(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD")
}

// NormalizeRecipient is the form recipients are stored and looked up in: lower-case, without
// surrounding space (address.Stored).
func NormalizeRecipient(r string) string {
	return address.Stored(r)
}

// Known reports which of keys are stored: the result holds true for each stored key and
// nothing for the others.
func (s *Store) Known(ctx context.Context, keys []string) (map[string]bool, error) {
	stored := make(map[string]bool)
	texts := make([]string, len(keys))
	for i, k := range keys {
		texts[i] = s.host + text(k)
	}
	err := chunks(texts, func(part []string) error {
		rows, err := s.db.QueryContext(ctx, listQuery("known", len(part)), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			stored[k] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, classify(s.path, "look up keys", err)
	}
	known := make(map[string]bool, len(stored))
	for i, k := range keys {
		if stored[texts[i]] {
			known[k] = true
		}
	}
	return known, nil
}

// MboxProgress returns the checkpoint of an mbox file; ok is false when there is none.
func (s *Store) MboxProgress(ctx context.Context, path string) (offset int64, count int, check string, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, query("mbox_progress"), s.host+text(path)).Scan(&offset, &count, &check)
	if err == sql.ErrNoRows {
		return 0, 0, "", false, nil
	}
	if err != nil {
		return 0, 0, "", false, classify(s.path, "read mbox progress", err)
	}
	return offset, count, check, true, nil
}

// File is a plain message file as last seen: its size and modification time, and the key of
// the message it holds.
type File struct {
	Path    string
	Size    int64
	ModTime time.Time
	Key     string
}

// FileKeys returns, for each of files whose path, size and modification time match the cache,
// the cached message key (files[i].Key is ignored). A rescan uses it to learn the keys of
// unchanged files without reading them, then Known to skip those already stored.
func (s *Store) FileKeys(ctx context.Context, files []File) (map[string]string, error) {
	want := make(map[string]File, len(files)) // by the path as stored
	paths := make([]string, 0, len(files))
	for _, f := range files {
		p := s.host + text(f.Path)
		if _, dup := want[p]; !dup {
			paths = append(paths, p)
		}
		want[p] = f
	}
	keys := make(map[string]string)
	err := chunks(paths, func(part []string) error {
		rows, err := s.db.QueryContext(ctx, listQuery("file_keys", len(part)), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var path, key string
			var size, mtime int64
			if err := rows.Scan(&path, &size, &mtime, &key); err != nil {
				return err
			}
			if f := want[path]; f.Size == size && f.ModTime.UnixNano() == mtime {
				keys[f.Path] = strings.TrimPrefix(key, s.host)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, classify(s.path, "read file cache", err)
	}
	return keys, nil
}

// PutFiles records files in the cache, replacing older entries for the same paths. The cache
// only maps a file's state to its key, so it may be written before or after the messages.
func (s *Store) PutFiles(ctx context.Context, files []File) error {
	if len(files) == 0 {
		return nil
	}
	now := time.Now().Unix()
	return s.write(ctx, "write file cache", func(tx *txn) error {
		st, err := tx.PrepareContext(ctx, query("upsert_file"))
		if err != nil {
			return err
		}
		defer st.Close()
		for _, f := range files {
			if _, err := st.ExecContext(ctx, s.host+text(f.Path), f.Size, f.ModTime.UnixNano(), s.host+text(f.Key), now); err != nil {
				return fmt.Errorf("file %s: %w", f.Path, err)
			}
		}
		return nil
	})
}

// null stores an empty string as NULL.
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// unix stores a time as unix seconds, and the zero time as NULL.
func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func anys(ss []string) []any {
	a := make([]any, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	return a
}
