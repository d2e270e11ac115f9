-- pseudo_texts_message writes the redacted texts of one message.
UPDATE messages
SET from_addr = ?, subject = ?, error = ?, message_id = ?
WHERE key = ?
