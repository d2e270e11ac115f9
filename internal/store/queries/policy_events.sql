-- policy_events reads what the policy needs of the events of the given addresses, up to an
-- event id: every recipient spelling of each address, with the message position. An event of
-- unknown bounce time is dated by when its message was scanned.
--
-- The ids come first, from the recipient index alone (the subquery), and the events are then
-- read in id order, which is the order of the table: an address that bounced all along has its
-- events on pages all over the table, and read in the index's order each was a page read of its
-- own once the table outgrew the page cache. Read in id order, the events of the addresses
-- decided together that share a page share its read: 0.25 s instead of 1.6 s for the 52,000
-- events of 232 addresses in a 48 MB database, 0.8 s instead of 1.7 s for 67,000 in 218 MB
-- (docs/performance.md). The unary + keeps SQLite from scanning the index by id: the addresses
-- are the selective part. PostgreSQL keeps the one join (queries/postgres/policy_events.sql).
SELECT r.address, e.message_key, e.idx, m.position, e.type, e.reason, e.provider, e.status,
       e.reply_code, e.rule, e.diagnostic, e.feedback_type,
       COALESCE(e.bounced_at, m.scanned_at)
FROM events e
JOIN recipient_addresses r ON r.recipient = e.recipient
JOIN messages m ON m.key = e.message_key
WHERE e.id IN (SELECT x.id
               FROM events x
               JOIN recipient_addresses y ON y.recipient = x.recipient
               WHERE y.address IN ({{list}}) AND +x.id <= ?)
