-- bulk_insert_transitions stores steps of audit trails (policy_insert_transition), one row per
-- VALUES tuple.
INSERT INTO transitions (address, seq, at, from_state, to_state, soft_count, event_ids, rule,
                         setting, note)
VALUES {{rows}}
