-- pseudo_drop_state deletes the state of an address whose pseudonym has a state already (the
-- address came back after its older history was pseudonymised: the pseudonym's state stays).
DELETE FROM states
WHERE address = ?
