-- policy_any_deferred returns an address left for an evaluation from all its events, if any.
SELECT address
FROM policy_deferred
LIMIT 1
