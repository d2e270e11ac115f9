-- pseudo_transitions_of reads the notes of an address's audit trail (an override's note quotes
-- its reason).
SELECT seq, note
FROM transitions
WHERE address = ?
