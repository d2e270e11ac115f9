-- 0005_content_keys: the identity of a message by its content (internal/mailbox ContentKey), so
-- that one bounce read from two mailboxes, from a rotated or renamed mbox, or from a maildir
-- converted to an mbox (or back) is counted once.
--
-- Portability: as 0001_init.sql, and message_contents is a WITHOUT ROWID table (SQLite's way to
-- keep a table in its primary key's B-tree: one insert per message instead of two, 8-10 µs less
-- per stored message); the PostgreSQL copy leaves the clause out.

-- message_contents maps the content key of every message stored since this migration to the
-- message that holds its events.
CREATE TABLE message_contents (
    content_key TEXT PRIMARY KEY,
    message_key TEXT NOT NULL
) WITHOUT ROWID;

-- A message whose content was stored before under another key is stored with outcome
-- 'duplicate', no events, and duplicate_of naming the message that has them.
ALTER TABLE messages ADD COLUMN duplicate_of TEXT;

-- legacy_messages bridges the messages stored before this migration, which have no content key:
-- a later copy of one of them is recognised by the Message-ID and Date of the bounce, which the
-- bouncing MTA wrote. prune deletes the rows of the messages it clears.
CREATE TABLE legacy_messages (
    message_id  TEXT NOT NULL,
    sent_at     INTEGER NOT NULL,
    message_key TEXT NOT NULL,
    PRIMARY KEY (message_id, sent_at)
);

INSERT INTO legacy_messages (message_id, sent_at, message_key)
SELECT message_id, sent_at, MIN(key)
FROM messages
WHERE message_id IS NOT NULL AND sent_at IS NOT NULL AND outcome IN ('bounce', 'feedback', 'autoreply')
GROUP BY message_id, sent_at;
