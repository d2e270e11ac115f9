-- policy_delete_states removes the state of the given addresses.
DELETE FROM states
WHERE address IN ({{list}})
