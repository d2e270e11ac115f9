-- mbox_progress reads the checkpoint of one mbox file.
SELECT byte_offset, message_count, checksum
FROM mbox_progress
WHERE path = ?
