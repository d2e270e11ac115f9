-- policy_upsert_exported records the fingerprint delivered for an address.
INSERT INTO exported (address, fingerprint, export_id)
VALUES (?, ?, ?)
ON CONFLICT (address) DO UPDATE SET
    fingerprint = excluded.fingerprint,
    export_id = excluded.export_id
