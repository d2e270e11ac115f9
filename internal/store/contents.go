package store

import (
	"context"
	"database/sql"
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
	ins, getOwner, setOwner, legacy *sql.Stmt
	hasLegacy                       bool
}

func prepareContents(ctx context.Context, tx *txn, hasLegacy bool) (*contentStmts, error) {
	c := &contentStmts{hasLegacy: hasLegacy}
	for _, p := range []struct {
		dst  **sql.Stmt
		name string
	}{{&c.ins, "insert_content"}, {&c.getOwner, "content_owner"}, {&c.setOwner, "set_content_owner"},
		{&c.legacy, "legacy_message"}} {
		st, err := tx.PrepareContext(ctx, query(p.name))
		if err != nil {
			c.close()
			return nil, err
		}
		*p.dst = st
	}
	return c, nil
}

func (c *contentStmts) close() {
	for _, st := range []*sql.Stmt{c.ins, c.getOwner, c.setOwner, c.legacy} {
		if st != nil {
			st.Close()
		}
	}
}

// owner returns the key of the message that holds m's content: "" when the content is new (it
// is now recorded as m's), m.Key when m itself holds it (stored before), another key when m is
// a copy of that message.
func (c *contentStmts) owner(ctx context.Context, m *Message) (string, error) {
	if m.ContentKey == "" {
		return "", nil
	}
	res, err := c.ins.ExecContext(ctx, m.ContentKey, m.Key)
	if err != nil {
		return "", err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", err
	}
	if n == 0 {
		var owner string
		err := c.getOwner.QueryRowContext(ctx, m.ContentKey).Scan(&owner)
		return owner, err
	}
	if !c.hasLegacy || m.MessageID == "" || m.Date.IsZero() || len(m.Events) == 0 {
		return "", nil
	}
	var owner string
	switch err := c.legacy.QueryRowContext(ctx, m.MessageID, m.Date.Unix()).Scan(&owner); {
	case err == sql.ErrNoRows:
		return "", nil
	case err != nil:
		return "", err
	case owner == m.Key:
		return "", nil // the legacy message itself, read again: the message insert finds it
	}
	// A copy of a legacy message: later copies find the legacy one through the content key.
	if _, err := c.setOwner.ExecContext(ctx, owner, m.ContentKey); err != nil {
		return "", err
	}
	return owner, nil
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
