-- meta_get reads one value of the meta table by its key.
SELECT value
FROM meta
WHERE key = ?
