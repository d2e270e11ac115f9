-- policy_upsert_address maps a stored recipient to its normalised address (NULL and the error
-- when malformed).
INSERT INTO recipient_addresses (recipient, address, error)
VALUES (?, ?, ?)
ON CONFLICT (recipient) DO UPDATE SET
    address = excluded.address,
    error = excluded.error
