package dsn

// BIGLOBE lists the addresses under "----- The following addresses had delivery problems -----"
// and the reason under "----- Non-delivered information -----".

var biglobeDetector = detector{name: "biglobe", match: matchBiglobe, decode: decodeBiglobe}

func matchBiglobe(m *message) bool {
	return m.hasLine("----- The following addresses had delivery problems -----")
}

func decodeBiglobe(m *message) []Recipient {
	text := m.bounceText()
	rs := listRecipients(section(text, "The following addresses had delivery problems", "-----"), "failed")
	diag := joinLines(section(text, "----- Non-delivered information -----", "-----"))
	for i := range rs {
		if rs[i].Diagnostic == "" {
			rs[i] = mergeNew(rs[i], newRecipient(rs[i].Recipient, diag, "failed"))
		}
	}
	return rs
}
