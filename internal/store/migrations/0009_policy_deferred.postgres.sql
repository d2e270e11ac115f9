-- 0009_policy_deferred, PostgreSQL: 0009_policy_deferred.sql in PostgreSQL's types (text
-- columns COLLATE "C": 0002_policy.postgres.sql). Comments are in 0009_policy_deferred.sql.

CREATE TABLE policy_deferred (
    address TEXT COLLATE "C" PRIMARY KEY,
    events  BIGINT NOT NULL DEFAULT 0
);
