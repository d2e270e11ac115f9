-- policy_exported reads, per address, the fingerprint of the row last delivered.
SELECT address, fingerprint
FROM exported
