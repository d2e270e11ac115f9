-- bulk_insert_messages stores new messages and duplicates (outcome 'duplicate', no recipients,
-- duplicate_of their content's owner), one row per VALUES tuple. SaveBatch inserts only keys
-- it read as absent under the write lock, so a conflict is an error, not a row to skip.
INSERT INTO messages (key, position, path, outcome, error, format, message_id, subject, from_addr,
                      sent_at, scanned_at, recipients, duplicate_of)
VALUES {{rows}}
