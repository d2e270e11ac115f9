-- policy_recipient reads the address a stored recipient maps to, and why it is malformed.
SELECT address, error
FROM recipient_addresses
WHERE recipient = ?
