-- policy_export_changes_of lists the export history of one address, oldest first.
SELECT x.id, x.at, x.target, c.kind
FROM export_changes c
JOIN exports x ON x.id = c.export_id
WHERE c.address = ?
ORDER BY x.at, x.id
