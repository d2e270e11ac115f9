-- policy_set_export_rows sets the number of rows a recorded export delivered, once it is known.
UPDATE exports
SET row_count = ?
WHERE id = ?
