-- pseudo_recipients_of lists the stored spellings of an address.
SELECT recipient
FROM recipient_addresses
WHERE address = ?
