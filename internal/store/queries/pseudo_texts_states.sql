-- pseudo_texts_states reads the diagnostics of the states that may quote an address.
SELECT address, diagnostic
FROM states
WHERE diagnostic LIKE '%@%'
