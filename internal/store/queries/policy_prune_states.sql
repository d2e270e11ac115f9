-- policy_prune_states removes the stored diagnostic of the states decided before a cutoff.
UPDATE states
SET diagnostic = NULL
WHERE decided_at < ?
  AND diagnostic IS NOT NULL
