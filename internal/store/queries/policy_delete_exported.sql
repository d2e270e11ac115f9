-- policy_delete_exported forgets the delivered fingerprint of an address that left the list, in
-- one delivery baseline.
DELETE FROM exported
WHERE baseline = ? AND address = ?
