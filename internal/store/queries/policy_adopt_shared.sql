-- policy_adopt_shared starts a delivery baseline from the shared one of before migration 0007.
INSERT INTO exported (baseline, address, fingerprint, export_id)
SELECT ?, address, fingerprint, export_id
FROM exported
WHERE baseline = '(shared)'
