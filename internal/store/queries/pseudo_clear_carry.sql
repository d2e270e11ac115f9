-- pseudo_clear_carry forgets the carry of a pseudonym's state that the events of a returning
-- address join (pseudo_drop_state): its next evaluation reads all its events.
UPDATE states SET carry = NULL
WHERE address = ?
