-- meta_insert sets one value of the meta table unless it is set already (the first writer wins).
INSERT INTO meta (key, value)
VALUES (?, ?)
ON CONFLICT (key) DO NOTHING
