-- bulk_upsert_addresses maps stored recipients to their normalised addresses
-- (policy_upsert_address), one row per VALUES tuple (recipient, address, error), each recipient
-- once.
INSERT INTO recipient_addresses (recipient, address, error)
VALUES {{rows}}
ON CONFLICT (recipient) DO UPDATE SET
    address = excluded.address,
    error = excluded.error
