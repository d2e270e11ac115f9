-- schema_version is the highest migration applied (0 when none).
SELECT COALESCE(MAX(version), 0)
FROM schema_migrations
