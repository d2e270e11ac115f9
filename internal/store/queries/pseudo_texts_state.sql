-- pseudo_texts_state writes the redacted diagnostic of one state.
UPDATE states
SET diagnostic = ?
WHERE address = ?
