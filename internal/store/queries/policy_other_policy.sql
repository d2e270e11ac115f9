-- policy_other_policy counts the addresses evaluated with a policy other than the given one.
SELECT COUNT(*)
FROM states
WHERE policy <> ?
