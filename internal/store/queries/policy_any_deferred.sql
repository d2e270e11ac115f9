-- policy_any_deferred says whether an address is left for an evaluation from all its events
-- (0 or 1).
SELECT COUNT(*)
FROM (SELECT 1 FROM policy_deferred LIMIT 1) AS d
