-- record_migration notes that a migration was applied.
INSERT INTO schema_migrations (version, applied_at)
VALUES (?, ?)
