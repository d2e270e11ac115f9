-- policy_delete_transitions removes the audit trail of the given addresses before it is
-- written again.
DELETE FROM transitions
WHERE address IN ({{list}})
