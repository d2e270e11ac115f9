package report

import (
	"strings"

	"github.com/reboundhq/rebound/internal/config"
)

// TypoMaxDistance is the largest Damerau-Levenshtein distance between a typo domain and the
// domain it stands for.
const TypoMaxDistance = 2

// typoTargets are the mailbox domains people mistype, most used first: a typo is corrected to
// the first target at the smallest distance.
var typoTargets = []string{
	"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com", "live.com",
	"msn.com", "comcast.net", "googlemail.com", "hotmail.co.uk", "yahoo.co.uk", "hotmail.fr",
	"yahoo.fr", "orange.fr", "wanadoo.fr", "gmx.de", "web.de", "t-online.de", "verizon.net",
	"att.net", "sbcglobal.net", "bellsouth.net", "protonmail.com", "yandex.ru", "mail.ru",
}

// knownDomains are real mailbox domains that are close to a target but are not typos.
var knownDomains = setOf(
	// close to gmail.com, yahoo.com, icloud.com, aol.com, ...
	"mail.com", "email.com", "ymail.com", "rocketmail.com", "gmx.com", "gmx.net", "gmx.at", "gmx.ch",
	"aim.com", "me.com", "mac.com", "cloud.com", "inbox.com", "lycos.com", "hushmail.com",
	"fastmail.com", "fastmail.fm", "zoho.com", "zohomail.com", "proton.me", "pm.me", "protonmail.ch",
	"tutanota.com", "tuta.io", "hey.com", "duck.com", "yandex.com", "ya.ru", "bk.ru", "list.ru",
	"inbox.ru", "rambler.ru", "qq.com", "163.com", "126.com", "naver.com", "daum.net", "hanmail.net",
	"rediffmail.com",
	// North America, Europe
	"cox.net", "charter.net", "earthlink.net", "juno.com", "netzero.net", "optonline.net",
	"frontier.com", "windstream.net", "shaw.ca", "rogers.com", "sympatico.ca", "videotron.ca",
	"telus.net", "bigpond.com", "optusnet.com.au", "btinternet.com", "virginmedia.com", "sky.com",
	"talktalk.net", "ntlworld.com", "blueyonder.co.uk", "libero.it", "virgilio.it", "tiscali.it",
	"alice.it", "tin.it", "laposte.net", "free.fr", "sfr.fr", "neuf.fr", "bluewin.ch", "telenet.be",
	"skynet.be", "ziggo.nl", "kpnmail.nl", "planet.nl", "xs4all.nl", "home.nl", "seznam.cz",
	"centrum.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "online.de", "freenet.de", "arcor.de",
	"posteo.de", "mailbox.org", "uol.com.br", "bol.com.br", "terra.com.br", "ig.com.br",
	// regional domains of the big providers
	"hotmail.de", "hotmail.it", "hotmail.es", "hotmail.be", "hotmail.nl", "hotmail.ca", "hotmail.se",
	"hotmail.no", "hotmail.dk", "hotmail.fi", "hotmail.ch", "hotmail.at", "hotmail.gr", "hotmail.cz",
	"hotmail.com.br", "hotmail.com.ar", "hotmail.com.au", "hotmail.co.jp", "hotmail.co.nz",
	"live.co.uk", "live.fr", "live.de", "live.it", "live.nl", "live.be", "live.ca", "live.se",
	"live.com.au", "live.com.mx", "live.cl", "outlook.fr", "outlook.de", "outlook.it", "outlook.es",
	"outlook.be", "outlook.jp", "outlook.com.br", "outlook.sa", "outlook.dk", "outlook.at",
	"outlook.ie", "outlook.co.nz", "outlook.co.th", "outlook.com.au", "outlook.cz", "outlook.ph",
	"outlook.pt", "outlook.sg", "outlook.kr", "yahoo.de", "yahoo.it", "yahoo.es", "yahoo.ca",
	"yahoo.co.jp", "yahoo.com.br", "yahoo.com.ar", "yahoo.com.au", "yahoo.co.in", "yahoo.in",
	"yahoo.com.mx", "yahoo.ie", "yahoo.gr", "yahoo.se", "yahoo.dk", "yahoo.no", "yahoo.fi",
	"yahoo.nl", "yahoo.be", "yahoo.at", "yahoo.ch", "yahoo.co.nz", "yahoo.com.sg", "yahoo.com.hk",
	"yahoo.com.tw", "yahoo.com.ph", "yahoo.co.id", "yahoo.com.vn", "yahoo.ro", "yahoo.pl",
	"gmx.fr", "gmx.es", "gmx.co.uk", "web.com",
)

func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}

// SuggestDomain returns the domain a recipient domain is probably a typo of ("gamil.com" ->
// "gmail.com"), or "", false. A domain is a typo of a target when
//
//   - it is neither a target nor a known mailbox domain (mail.com, ymail.com, gmx.com, ...);
//   - its first label starts with the same character as the target's (a changed first
//     character makes a different word: email, ymail, wahoo);
//   - its first label is within 1 edit of the target's when that has 5 characters, within 2
//     when it has 6 or more, and identical when it has 4 or fewer (aol, msn, live: too many
//     real domains nearby);
//   - the rest (the suffix) is within 1 edit of the target's (gmail.con, gmail.co), and
//   - the two distances add up to at most TypoMaxDistance.
func SuggestDomain(domain string) (string, bool) {
	d := strings.Trim(strings.ToLower(strings.TrimSpace(domain)), ".")
	if d == "" || knownDomains[d] || isTarget(d) {
		return "", false
	}
	label, suffix, ok := strings.Cut(d, ".")
	if !ok || label == "" || suffix == "" {
		return "", false
	}
	best, bestDist := "", TypoMaxDistance+1
	for _, t := range typoTargets {
		tl, ts, _ := strings.Cut(t, ".")
		if label[0] != tl[0] {
			continue
		}
		dl := config.EditDistance(label, tl, labelLimit(len(tl)))
		ds := config.EditDistance(suffix, ts, 1)
		if dl > labelLimit(len(tl)) || ds > 1 {
			continue
		}
		if dist := dl + ds; dist > 0 && dist < bestDist {
			best, bestDist = t, dist
		}
	}
	return best, best != ""
}

func isTarget(d string) bool {
	for _, t := range typoTargets {
		if d == t {
			return true
		}
	}
	return false
}

// labelLimit is the number of edits allowed in a first label of n characters.
func labelLimit(n int) int {
	switch {
	case n <= 4:
		return 0
	case n == 5:
		return 1
	}
	return 2
}
