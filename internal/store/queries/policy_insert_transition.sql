-- policy_insert_transition stores one step of an address's audit trail.
INSERT INTO transitions (address, seq, at, from_state, to_state, soft_count, event_ids, rule,
                         setting, note)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
