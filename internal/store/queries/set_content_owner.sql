-- set_content_owner points a content key at another message (a legacy message with its events).
UPDATE message_contents
SET message_key = ?
WHERE content_key = ?
