-- policy_pending_events reads, in id order, the events stored after a given event id, as
-- policy_events does but with the recipient as stored (the caller maps it to its address).
SELECT e.recipient, e.message_key, e.idx, m.position, e.type, e.reason, e.provider, e.status,
       e.reply_code, e.rule, e.diagnostic, e.feedback_type,
       COALESCE(e.bounced_at, m.scanned_at)
FROM events e
JOIN messages m ON m.key = e.message_key
WHERE e.id > ?
ORDER BY e.id
