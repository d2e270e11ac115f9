-- content_owner reads the message that holds a content key.
SELECT message_key
FROM message_contents
WHERE content_key = ?
