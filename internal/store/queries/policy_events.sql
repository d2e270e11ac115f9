-- policy_events reads what the policy needs of the events of the given addresses, up to an
-- event id: every recipient spelling of each address. An event of unknown bounce time is dated
-- by when its message was scanned; only for such an event is its message looked up. The
-- message's position is left empty: the policy orders events by time and then by event id,
-- which no two events share, so the position it compares after them never decides (a join to
-- messages for every event cost `rebound evaluate` of the 52,374 events of the sisimai-copied
-- maildir 386 ms instead of 339, docs/performance.md).
--
-- The ids come first, from the recipient index alone (the subquery), and the events are then
-- read in id order, which is the order of the table: an address that bounced all along has its
-- events on pages all over the table, and read in the index's order each was a page read of its
-- own once the table outgrew the page cache. Read in id order, the events of the addresses
-- decided together that share a page share its read: 0.25 s instead of 1.6 s for the 52,000
-- events of 232 addresses in a 48 MB database, 0.8 s instead of 1.7 s for 67,000 in 218 MB
-- (docs/performance.md). The unary + keeps SQLite from scanning the index by id: the addresses
-- are the selective part. PostgreSQL keeps the one join (queries/postgres/policy_events.sql).
SELECT r.address, e.message_key, e.idx, '', e.type, e.reason, e.provider, e.status,
       e.reply_code, e.rule, e.diagnostic, e.feedback_type,
       COALESCE(e.bounced_at, (SELECT m.scanned_at FROM messages m WHERE m.key = e.message_key))
FROM events e
JOIN recipient_addresses r ON r.recipient = e.recipient
WHERE e.id IN (SELECT x.id
               FROM events x
               JOIN recipient_addresses y ON y.recipient = x.recipient
               WHERE y.address IN ({{list}}) AND +x.id <= ?)
