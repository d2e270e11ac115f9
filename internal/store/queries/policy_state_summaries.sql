-- policy_state_summaries reads the stored state of every address.
SELECT address, state, expires_at
FROM states
