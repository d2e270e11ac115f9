-- pseudo_event gives an event its pseudonym and its redacted texts; the original message's
-- subject goes (it may name the recipient).
UPDATE events
SET recipient = ?, diagnostic = ?, original_message_id = ?, subject = NULL
WHERE id = ?
