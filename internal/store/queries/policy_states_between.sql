-- policy_states_between reads the stored states of the addresses from one address to another
-- (both included), for the summary of an evaluation.
SELECT address, state, expires_at
FROM states
WHERE address BETWEEN ? AND ?
