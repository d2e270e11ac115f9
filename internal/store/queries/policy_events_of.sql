-- policy_events_of lists the events of one address (every recipient spelling of it), oldest
-- first (unknown times first), with the position of the message each came from.
SELECT e.message_key, e.idx, m.position, e.recipient, e.action, e.status, e.reply_code,
       e.diagnostic, e.remote_mta, e.reporting_mta, e.reason, e.type, e.hard, e.provider, e.rule,
       e.confidence, e.bounced_at, e.sender, e.subject, e.original_message_id, e.campaign,
       e.sending_domain, e.feedback_type
FROM events e
JOIN recipient_addresses r ON r.recipient = e.recipient
JOIN messages m ON m.key = e.message_key
WHERE r.address = ?
ORDER BY e.bounced_at ASC NULLS FIRST, e.id
