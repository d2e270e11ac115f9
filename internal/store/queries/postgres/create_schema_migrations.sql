-- create_schema_migrations makes the table that records applied migrations (BIGINT: PostgreSQL's
-- INTEGER has 4 bytes).
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    applied_at BIGINT NOT NULL
)
