package dsn

// Google Groups rejects posts with a plain text message from mailer-daemon@googlemail.com that
// names the group in X-Failed-Recipients and explains, in the poster's language, that the group
// does not exist or does not accept the post.

var googleGroupsDetector = detector{name: "googlegroups", match: matchGoogleGroups, decode: decodeGoogleGroups}

func matchGoogleGroups(m *message) bool {
	return m.hdr.has("X-Failed-Recipients") && m.fromHas("@googlemail.com") &&
		(m.hasText("Google Groups") || m.hasText("groups.google.com") || m.hasText("Google グループ"))
}

func decodeGoogleGroups(m *message) []Recipient {
	rs := failedRecipients(m, firstWords(m.bounceText(), 400))
	for i := range rs {
		rs[i].Hint = "rejected"
	}
	return rs
}
