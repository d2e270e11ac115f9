-- pseudo_override moves an override to the pseudonym of its address, with its reason redacted.
UPDATE overrides
SET address = ?, why = ?
WHERE id = ?
