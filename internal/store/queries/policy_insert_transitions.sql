-- policy_insert_transitions stores steps of audit trails, one row per VALUES tuple: one on SQLite,
-- many on PostgreSQL.
INSERT INTO transitions (address, seq, at, from_state, to_state, soft_count, event_ids, rule,
                         setting, note)
VALUES {{rows}}
