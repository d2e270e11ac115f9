-- bulk_insert_contents records the messages that hold new content keys, one row per VALUES
-- tuple (content key, message key). SaveBatch inserts only keys it read as absent under the
-- write lock, so a conflict is an error, not a row to skip.
INSERT INTO message_contents (content_key, message_key)
VALUES {{rows}}
