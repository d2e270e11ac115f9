-- policy_upsert_exported records the fingerprint delivered for an address in one delivery
-- baseline.
INSERT INTO exported (baseline, address, fingerprint, export_id)
VALUES (?, ?, ?, ?)
ON CONFLICT (baseline, address) DO UPDATE SET
    fingerprint = excluded.fingerprint,
    export_id = excluded.export_id
