-- policy_delete_orphan_addresses forgets the recipients that no longer have events.
DELETE FROM recipient_addresses
WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.recipient = recipient_addresses.recipient)
