-- policy_states_in reads the stored state of the given addresses, to report what changed, and
-- how many bounces it counted (about how many events an evaluation of the address reads).
SELECT address, state, expires_at, bounces
FROM states
WHERE address IN ({{list}})
