-- insert_duplicate stores a message whose content is stored under another key: no events.
INSERT INTO messages (key, position, path, outcome, message_id, subject, from_addr, sent_at, scanned_at,
                      recipients, duplicate_of)
VALUES (?, ?, ?, 'duplicate', ?, ?, ?, ?, ?, 0, ?)
ON CONFLICT (key) DO NOTHING
