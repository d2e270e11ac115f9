-- policy_prune_blank_events removes the diagnostic and the original message's sender, subject
-- and Message-ID from the events older than a cutoff that policy_prune_events kept.
UPDATE events
SET diagnostic = NULL, sender = NULL, subject = NULL, original_message_id = NULL
WHERE id IN (
    SELECT e.id
    FROM events e
    JOIN messages m ON m.key = e.message_key
    WHERE COALESCE(e.bounced_at, m.scanned_at) < ?
)
