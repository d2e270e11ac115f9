-- tables lists the tables of the database, without SQLite's own (sqlite_stat1 of ANALYZE,
-- sqlite_sequence). Dialect-specific: SQLite's catalog (PostgreSQL reads
-- information_schema.tables).
SELECT name
FROM sqlite_master
WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
