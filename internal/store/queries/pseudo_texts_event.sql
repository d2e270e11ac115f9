-- pseudo_texts_event writes the redacted texts of one event.
UPDATE events
SET sender = ?, diagnostic = ?, original_message_id = ?, subject = ?
WHERE id = ?
