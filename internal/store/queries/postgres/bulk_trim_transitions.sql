-- bulk_trim_transitions removes the steps of audit trails after given ones
-- (policy_delete_transitions_after), one row per VALUES tuple (address, number of steps kept).
DELETE FROM transitions AS t
USING (VALUES {{rows}}) AS v (address, kept)
WHERE t.address = v.address AND t.seq > CAST(v.kept AS BIGINT)
