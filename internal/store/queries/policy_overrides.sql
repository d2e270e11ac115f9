-- policy_overrides reads the overrides of the given addresses.
SELECT address, at, operator, why
FROM overrides
WHERE address IN ({{list}})
