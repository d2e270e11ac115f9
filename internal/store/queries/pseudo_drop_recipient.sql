-- pseudo_drop_recipient forgets a recipient spelling that was pseudonymised.
DELETE FROM recipient_addresses
WHERE recipient = ?
