-- legacy_message finds a message stored before content keys by its bounce's Message-ID and Date.
SELECT message_key
FROM legacy_messages
WHERE message_id = ? AND sent_at = ?
