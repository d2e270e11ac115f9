-- policy_deferred_from lists the addresses left for an evaluation from all their events, in
-- order, from a given one on (included), at most a given number: a page of them.
SELECT address
FROM policy_deferred
WHERE address >= ?1
ORDER BY address
LIMIT ?2
