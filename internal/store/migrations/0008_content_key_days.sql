-- 0008_content_key_days: message_contents keys start with the UTC day of the bounce's Date, so
-- that a scan inserts them next to each other instead of at random places.
--
-- A content key is a hash: inserted as it is, each new message went to a random page of the
-- table's B-tree, and once the table outgrew SQLite's page cache (a few hundred thousand
-- messages) nearly every message cost a page read, a page written to the WAL and one more at
-- the checkpoint, so a scan's cost per message grew with the database. The key is now the day
-- (days since 1970-01-01 UTC of the Date of the message that holds the content, in decimal;
-- '-' when it has none), a '/', and the content key. Mailboxes are read in about the order
-- their bounces were written, so a scan's inserts fall in the last few days' pages. A copy of a
-- message has the same Date (the Date field is part of the content key), so it finds the same
-- key. docs/performance.md ("Linear") gives the measurements.
--
-- Portability: as 0001_init.sql; the statement is the same in SQLite and PostgreSQL (integer
-- arithmetic as in 0003_stats.sql, CAST to TEXT, ||). The new keys contain '/', the old ones do
-- not, so no new key collides with an old one while the rows are rewritten.

UPDATE message_contents
SET content_key = COALESCE((SELECT CAST((m.sent_at - (((m.sent_at % 86400) + 86400) % 86400)) / 86400 AS TEXT)
                            FROM messages m
                            WHERE m.key = message_contents.message_key), '-') || '/' || content_key;
