-- policy_states_in reads the stored state of the given addresses, to report what changed.
SELECT address, state, expires_at
FROM states
WHERE address IN ({{list}})
