-- policy_addresses_from lists the addresses to evaluate (of a well-formed recipient, or with an
-- override), in order, from a given one on (included), at most a given number: a page of them.
SELECT address
FROM recipient_addresses
WHERE address >= ?1
UNION
SELECT address
FROM overrides
WHERE address >= ?1
ORDER BY 1
LIMIT ?2
