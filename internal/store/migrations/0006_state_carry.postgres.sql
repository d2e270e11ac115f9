-- 0006_state_carry, PostgreSQL: 0006_state_carry.sql with the column COLLATE "C", as every text
-- column (0002_policy.postgres.sql). Comments on the column are in 0006_state_carry.sql.

ALTER TABLE states ADD COLUMN carry TEXT COLLATE "C";
