-- pseudo_export_changes moves an address's export history to its pseudonym.
UPDATE export_changes
SET address = ?
WHERE address = ?
