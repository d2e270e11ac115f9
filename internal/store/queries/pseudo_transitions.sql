-- pseudo_transitions moves one step of an address's audit trail to its pseudonym, with its note
-- redacted.
UPDATE transitions
SET address = ?, note = ?
WHERE address = ? AND seq = ?
