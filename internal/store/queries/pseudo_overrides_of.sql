-- pseudo_overrides_of reads the ids and reasons of an address's overrides.
SELECT id, why
FROM overrides
WHERE address = ?
