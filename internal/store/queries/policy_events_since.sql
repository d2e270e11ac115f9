-- policy_events_since reads what the policy needs of the events of one address (every recipient
-- spelling of it) with a bounce time from a given one on, up to an event id: those that a replay
-- from a rewind point takes (Evaluator.Rewind, a bounce read late), in the columns of
-- policy_events. The recipient index (recipient, bounced_at) gives the range, so the events
-- before it are not read. The events of unknown bounce time (dated by when their message was
-- scanned) come from the second part, whatever that time: the policy leaves out those before
-- the point. Its CROSS JOIN keeps SQLite on the address's recipients first: without statistics
-- (rebound never runs ANALYZE) it chose the bounced_at index's NULLs, every undated event of
-- the database, and then their addresses (17.5 ms instead of 0.13 ms per address with 13,333
-- undated events). PostgreSQL takes no ON after CROSS JOIN: the join is in the WHERE.
SELECT r.address, e.message_key, e.idx, '', e.type, e.reason, e.provider, e.status,
       e.reply_code, e.rule, e.diagnostic, e.feedback_type, e.bounced_at
FROM recipient_addresses r
JOIN events e ON e.recipient = r.recipient
WHERE r.address = ? AND e.bounced_at >= ? AND e.id <= ?
UNION ALL
SELECT r.address, e.message_key, e.idx, '', e.type, e.reason, e.provider, e.status,
       e.reply_code, e.rule, e.diagnostic, e.feedback_type,
       (SELECT m.scanned_at FROM messages m WHERE m.key = e.message_key)
FROM recipient_addresses r
CROSS JOIN events e
WHERE e.recipient = r.recipient AND r.address = ? AND e.bounced_at IS NULL AND e.id <= ?
