-- policy_delete_exported forgets the delivered fingerprint of an address that left the list.
DELETE FROM exported
WHERE address = ?
