-- policy_overrides_of reads the overrides of one address, oldest first.
SELECT at, operator, why
FROM overrides
WHERE address = ?
ORDER BY at, id
