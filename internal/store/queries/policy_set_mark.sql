-- policy_set_mark records the id of the last event whose recipient has been evaluated.
INSERT INTO meta (key, value)
VALUES ('policy_evaluated_through', ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
