-- policy_prune_messages removes the subject, sender, Message-ID and error text of the messages
-- dated (or, without a date, scanned) before a cutoff. The rows stay: their keys keep a rescan
-- from storing the messages again.
UPDATE messages
SET subject = NULL, from_addr = NULL, message_id = NULL, error = NULL
WHERE COALESCE(sent_at, scanned_at) < ?
  AND (subject IS NOT NULL OR from_addr IS NOT NULL OR message_id IS NOT NULL OR error IS NOT NULL)
