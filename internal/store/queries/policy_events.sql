-- policy_events reads what the policy needs of the events of the given addresses, up to an
-- event id: every recipient spelling of each address, with the message position. An event of
-- unknown bounce time is dated by when its message was scanned. The unary + keeps SQLite from
-- scanning events by id: the addresses are the selective part.
SELECT r.address, e.message_key, e.idx, m.position, e.type, e.reason, e.provider, e.status,
       e.reply_code, e.rule, e.diagnostic, e.feedback_type,
       COALESCE(e.bounced_at, m.scanned_at)
FROM events e
JOIN recipient_addresses r ON r.recipient = e.recipient
JOIN messages m ON m.key = e.message_key
WHERE r.address IN ({{list}}) AND +e.id <= ?
