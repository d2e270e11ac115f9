-- policy_deferred_in lists which of the given addresses are left for an evaluation from all their
-- events (policy_deferred, migration 0009).
SELECT address
FROM policy_deferred
WHERE address IN ({{list}})
