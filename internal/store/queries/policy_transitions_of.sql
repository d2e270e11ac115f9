-- policy_transitions_of reads the audit trail of one address, in order.
SELECT at, from_state, to_state, soft_count, event_ids, rule, setting, note
FROM transitions
WHERE address = ?
ORDER BY seq
