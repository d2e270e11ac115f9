-- policy_insert_export_change records that an export delivered a new or changed row for an
-- address, or found that the address left the list.
INSERT INTO export_changes (export_id, address, kind, fingerprint)
VALUES (?, ?, ?, ?)
