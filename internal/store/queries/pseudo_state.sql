-- pseudo_state moves an address's state to its pseudonym, with its diagnostic redacted.
UPDATE states
SET address = ?, diagnostic = ?
WHERE address = ?
