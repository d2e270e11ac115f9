-- upsert_file records the message key of a plain message file as last seen.
INSERT INTO files (path, size, mtime_ns, key, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (path) DO UPDATE SET
    size = excluded.size,
    mtime_ns = excluded.mtime_ns,
    key = excluded.key,
    updated_at = excluded.updated_at
