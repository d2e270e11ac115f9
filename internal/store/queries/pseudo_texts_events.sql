-- pseudo_texts_events reads the texts of every event that may quote an address (pseudo_redact).
SELECT id, sender, diagnostic, original_message_id, subject
FROM events
WHERE sender LIKE '%@%' OR diagnostic LIKE '%@%' OR original_message_id LIKE '%@%' OR subject LIKE '%@%'
