-- pseudo_state_of reads the diagnostic of an address's state, and whether it has one.
SELECT diagnostic
FROM states
WHERE address = ?
