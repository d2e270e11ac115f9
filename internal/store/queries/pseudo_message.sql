-- pseudo_message gives a message its redacted subject and error text.
UPDATE messages
SET subject = ?, error = ?
WHERE key = ?
