-- policy_delete_deferred takes the given addresses off the list of those left for an evaluation
-- from all their events (they were just evaluated so).
DELETE FROM policy_deferred
WHERE address IN ({{list}})
