-- policy_all_addresses lists every address that has events or overrides, in byte order.
SELECT address
FROM recipient_addresses
WHERE address IS NOT NULL
UNION
SELECT address
FROM overrides
ORDER BY 1
