-- policy_mark reads the id of the last event whose recipient has been evaluated.
SELECT value
FROM meta
WHERE key = 'policy_evaluated_through'
