-- policy_malformed counts the stored recipients whose address is malformed.
SELECT COUNT(*)
FROM recipient_addresses
WHERE address IS NULL
