-- upsert_checkpoint records how far an mbox file has been read.
INSERT INTO mbox_progress (path, byte_offset, message_count, checksum, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (path) DO UPDATE SET
    byte_offset = excluded.byte_offset,
    message_count = excluded.message_count,
    checksum = excluded.checksum,
    updated_at = excluded.updated_at
