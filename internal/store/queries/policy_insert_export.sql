-- policy_insert_export records a delivered export and returns its id.
INSERT INTO exports (at, target, format, only_new, filters, row_count, policy, baseline)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id
