-- policy_insert_override records an operator's override (rebound unsuppress).
INSERT INTO overrides (address, at, operator, why, created_at)
VALUES (?, ?, ?, ?, ?)
