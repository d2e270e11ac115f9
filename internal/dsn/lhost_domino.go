package dsn

// IBM (Lotus) Domino writes "Your message ... was not delivered to:" followed by the indented
// address and "because:" with the reason. Localised servers translate those lines but keep the
// directory's wording in the reason ("not listed in Domino Directory", "no se encuentra en el
// Directorio de Domino", "non répertorié dans l'annuaire Domino", "Domino ディレクトリには見つ
// かりません"): by it the format is recognised, and the recipients are read where they stand
// (structural_rcpt.go).

var dominoDetector = detector{name: "domino", match: matchDomino, decode: decodeDomino}

// dominoDirectory are the names of Domino's directory in its localised reasons.
var dominoDirectory = []string{"Domino Directory", "Directorio de Domino", "annuaire Domino", "Domino-Verzeichnis",
	"Domino ディレクトリ", "public Name & Address Book"}

func matchDomino(m *message) bool {
	if m.hasText("was not delivered to:") && m.hasText("because:") {
		return true
	}
	if !m.hasText("Domino") && !m.hasText("Address Book") {
		return false
	}
	for _, d := range dominoDirectory {
		if m.hasText(d) {
			return true
		}
	}
	return false
}

func decodeDomino(m *message) []Recipient {
	text := m.bounceText()
	if !m.hasText("was not delivered to:") {
		return decodeWithStructure(m)
	}
	rs := listRecipients(section(text, "was not delivered to:", "because:"), "failed")
	if len(rs) == 0 {
		return decodeWithStructure(m) // "was not delivered to: ADDR" on one line
	}
	diag := joinLines(section(text, "because:", "-----"))
	for i := range rs {
		rs[i] = mergeNew(rs[i], newRecipient(rs[i].Recipient, diag, "failed"))
	}
	return rs
}
