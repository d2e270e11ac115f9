-- policy_clear_carry forgets every state's carry (after a prune that deleted events), so that the
-- next evaluation of each address reads all its remaining events, as rebound evaluate would.
UPDATE states SET carry = NULL
WHERE carry IS NOT NULL
