-- known lists which of the given message keys are stored. The list marker expands to "?, ?, ...".
SELECT key
FROM messages
WHERE key IN ({{list}})
