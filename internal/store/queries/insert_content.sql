-- insert_content records the message that holds a content key, unless the key is known.
INSERT INTO message_contents (content_key, message_key)
VALUES (?, ?)
ON CONFLICT (content_key) DO NOTHING
