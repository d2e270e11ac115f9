-- policy_addresses_of reads the stored mapping of the given recipients to their addresses, so
-- that evaluation writes only new or changed mappings and learns whether any recipient moved.
SELECT recipient, address, error
FROM recipient_addresses
WHERE recipient IN ({{list}})
