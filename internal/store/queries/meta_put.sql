-- meta_put sets one value of the meta table, replacing the one stored.
INSERT INTO meta (key, value)
VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
