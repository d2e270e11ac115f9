-- pseudo_texts_messages reads the texts of every message that may quote an address.
SELECT key, from_addr, subject, error, message_id
FROM messages
WHERE from_addr LIKE '%@%' OR subject LIKE '%@%' OR error LIKE '%@%' OR message_id LIKE '%@%'
