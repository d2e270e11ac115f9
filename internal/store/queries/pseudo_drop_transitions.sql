-- pseudo_drop_transitions deletes the audit trail of an address whose state pseudo_drop_state
-- deleted.
DELETE FROM transitions
WHERE address = ?
