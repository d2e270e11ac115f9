-- insert_message stores one message unless its key is already there.
INSERT INTO messages (key, position, path, outcome, error, format, message_id, subject, from_addr,
                      sent_at, scanned_at, recipients)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO NOTHING
