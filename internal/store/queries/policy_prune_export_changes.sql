-- policy_prune_export_changes removes the per-address history of the exports made before a
-- cutoff (the exports themselves, which name no address, stay).
DELETE FROM export_changes
WHERE export_id IN (SELECT id FROM exports WHERE at < ?)
