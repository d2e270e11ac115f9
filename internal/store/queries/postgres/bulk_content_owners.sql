-- bulk_content_owners reads the messages that hold the given content keys (SaveBatch on
-- PostgreSQL: save_bulk.go). The list marker expands to "?, ?, ...".
SELECT content_key, message_key
FROM message_contents
WHERE content_key IN ({{list}})
