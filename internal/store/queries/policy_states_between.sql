-- policy_states_between reads the stored states of the addresses from one address to another
-- (both included), for the summary of an evaluation, with their bounces as policy_states_in.
SELECT address, state, expires_at, bounces
FROM states
WHERE address BETWEEN ? AND ?
