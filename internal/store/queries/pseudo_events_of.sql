-- pseudo_events_of reads the texts of the events of a recipient spelling, with those of their
-- messages, for pseudo_event and pseudo_message.
SELECT e.id, e.diagnostic, e.original_message_id, m.key, m.subject, m.error
FROM events e
JOIN messages m ON m.key = e.message_key
WHERE e.recipient = ?
