-- 0005_content_keys, PostgreSQL: 0005_content_keys.sql in PostgreSQL's types. Every text column is
-- COLLATE "C", so that ordering, MIN, MAX and indexes compare bytes as SQLite does, whatever
-- the collation of the database; INTEGER is BIGINT (unix times, nanoseconds, counts), REAL is
-- DOUBLE PRECISION (SQLite's REAL is 8 bytes), and "id INTEGER PRIMARY KEY" an identity column.
-- Comments on the tables and columns are in 0005_content_keys.sql.

CREATE TABLE message_contents (
    content_key TEXT COLLATE "C" PRIMARY KEY,
    message_key TEXT COLLATE "C" NOT NULL
);

ALTER TABLE messages ADD COLUMN duplicate_of TEXT COLLATE "C";

CREATE TABLE legacy_messages (
    message_id  TEXT COLLATE "C" NOT NULL,
    sent_at     BIGINT NOT NULL,
    message_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (message_id, sent_at)
);

INSERT INTO legacy_messages (message_id, sent_at, message_key)
SELECT message_id, sent_at, MIN(key)
FROM messages
WHERE message_id IS NOT NULL AND sent_at IS NOT NULL AND outcome IN ('bounce', 'feedback', 'autoreply')
GROUP BY message_id, sent_at;
