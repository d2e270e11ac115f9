-- tables lists the tables of the database: PostgreSQL's catalog, in the schema the connection
-- uses (the first of its search_path).
SELECT table_name
FROM information_schema.tables
WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
