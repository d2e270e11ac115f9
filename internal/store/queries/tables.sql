-- tables lists the tables of the database. Dialect-specific: SQLite's catalog (PostgreSQL
-- reads information_schema.tables).
SELECT name
FROM sqlite_master
WHERE type = 'table'
