-- policy_delete_transitions_after removes the steps of an address's audit trail after a given
-- one: those that time alone made at the last evaluation, before the new ones are appended.
DELETE FROM transitions
WHERE address = ? AND seq > ?
