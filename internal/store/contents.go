package store

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
)

// Content identity (migration 0005): every message stored with a content key records it in
// message_contents; a later message with the same content key under another message key is a
// copy, stored as a duplicate without events (SaveBatch). Messages stored before the migration
// have no content key; legacy_messages recognises their copies by the bounce's Message-ID and
// Date.
//
// Each message costs one INSERT ... ON CONFLICT DO NOTHING into message_contents (a WITHOUT
// ROWID table: one B-tree), and a copy one more lookup. On BenchmarkSaveBatch that is 8-12% more
// CPU per stored message; reading the owners of a whole batch first with one query per 500
// keys, then inserting the new ones 250 per statement, cost twice that (both visit the
// B-tree's pages at random, the batch twice).

// contentStmts are the statements SaveBatch needs for content keys, prepared in its transaction.
type contentStmts struct {
	ins, getOwner, setOwner, legacy rowStmt
	hasLegacy                       bool
}

func prepareContents(prepare prepareFunc, hasLegacy bool) (*contentStmts, error) {
	c := &contentStmts{hasLegacy: hasLegacy}
	for _, p := range []struct {
		dst  *rowStmt
		name string
	}{{&c.ins, "insert_content"}, {&c.getOwner, "content_owner"}, {&c.setOwner, "set_content_owner"},
		{&c.legacy, "legacy_message"}} {
		st, err := prepare(p.name)
		if err != nil {
			c.close()
			return nil, err
		}
		*p.dst = st
	}
	return c, nil
}

func (c *contentStmts) close() {
	for _, st := range []rowStmt{c.ins, c.getOwner, c.setOwner, c.legacy} {
		if st != nil {
			st.close()
		}
	}
}

// owner returns the key of the message that holds m's content: "" when the content is new (it
// is now recorded as m's), m.Key when m itself holds it (stored before), another key when m is
// a copy of that message. ck is m's storedContentKey ("" when m has no content key).
func (c *contentStmts) owner(m *Message, ck string) (string, error) {
	if m.ContentKey == "" {
		return "", nil
	}
	n, _, err := c.ins.exec(ck, m.Key)
	if err != nil {
		return "", err
	}
	if n == 0 {
		owner, ok, err := c.getOwner.one(ck)
		if err == nil && !ok {
			err = sql.ErrNoRows
		}
		return asString(owner), err
	}
	if !c.hasLegacy || m.MessageID == "" || m.Date.IsZero() || len(m.Events) == 0 {
		return "", nil
	}
	v, ok, err := c.legacy.one(m.MessageID, m.Date.Unix())
	owner := asString(v)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", nil
	case owner == m.Key:
		return "", nil // the legacy message itself, read again: the message insert finds it
	}
	// A copy of a legacy message: later copies find the legacy one through the content key.
	if _, _, err := c.setOwner.exec(owner, ck); err != nil {
		return "", err
	}
	return owner, nil
}

// asString is a text column's value as rowStmt.one returns it.
func asString(v any) string {
	s, _ := v.(string)
	return s
}

// storedContentKey is the key message_contents holds for m's content (migration 0008): the UTC
// day of the bounce's Date in days since 1970 ("-" without a Date), "/", and m.ContentKey. The
// Date is part of the content key, so every copy of a message has the same day; and a mailbox
// holds its bounces in about the order they were written, so a scan's keys go into the last
// days' pages of the B-tree instead of a random page each: with hashes alone, each new message
// read a page and wrote one to the WAL once the table outgrew the page cache, and the cost of a
// message grew with the database.
func storedContentKey(m *Message) string {
	if m.Date.IsZero() {
		return "-/" + m.ContentKey
	}
	return strconv.FormatInt(dayStart(m.Date.Unix())/secondsPerDay, 10) + "/" + m.ContentKey
}

// legacyState caches whether legacy_messages has rows: it never gains any, so once it is empty
// SaveBatch stops asking.
type legacyState struct {
	mu      sync.Mutex
	known   bool
	present bool
}

// hasLegacy reports whether messages stored before content keys are bridged.
func (s *Store) hasLegacy(ctx context.Context) (bool, error) {
	s.legacy.mu.Lock()
	defer s.legacy.mu.Unlock()
	if s.legacy.known {
		return s.legacy.present, nil
	}
	var n int
	if err := s.db.QueryRowContext(ctx, query("any_legacy")).Scan(&n); err != nil {
		return false, classify(s.path, "read legacy messages", err)
	}
	s.legacy.known, s.legacy.present = true, n > 0
	return s.legacy.present, nil
}
