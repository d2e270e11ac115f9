package classify

import (
	"math"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/bounce"
)

func withFormat(format, d string) Input {
	in := diag(d)
	in.Format = format
	return in
}

// TestPlainWording holds the readings reviewed for the long-tail issue: each wording family
// means what it says (docs/rules.md, "Where rebound and Sisimai differ").
func TestPlainWording(t *testing.T) {
	runCases(t, []classifyCase{
		// a relay refusal, not an authentication requirement
		{"insecure relay", diag("550 Insecure Mail Relay"), bounce.ReasonNoRelaying, "norelaying"},
		// no mail exchanger: the domain takes no mail, not a queue timeout
		{"no mx found", diag("No MX found for domain shop.example, giving up"), bounce.ReasonNotAccept, "notaccept"},
		{"no mx records exist", diag("no MX records exist for the recipient domain"), bounce.ReasonNotAccept, "notaccept"},
		// an unreachable host is a network failure, not a system error
		{"host not reachable", diag("Host not reachable: temporary error"), bounce.ReasonNetworkError, "networkerror"},
		{"server could not be reached", diag("the destination server could not be reached"), bounce.ReasonNetworkError, "networkerror"},
		{"qmail no host", diag("Sorry, I couldn't find any host by that name."), bounce.ReasonHostUnknown, "hostunknown"},
		// wordings once left onhold by no rule
		{"listed by", diag("550 mx.example Listed by a DNSBL"), bounce.ReasonBlocked, "blocked-list"},
		{"maximum message size", diag("This mail message has exceeded the maximum incoming message size."), bounce.ReasonEmailTooLarge, "emailtoolarge"},
		{"without To field", diag("Messages without To: fields are not accepted here"), bounce.ReasonNotCompliantRFC, "notcompliantrfc"},
		{"server busy", diag("Recipient server unavailable or busy"), bounce.ReasonSystemError, "systemerror"},
		{"ambiguous name", diag("Recipient user name (ann) not unique. Several matches found in the directory."), bounce.ReasonSystemError, "systemerror"},
		{"x400 transfer", diag("Reason 1 (Unable-To-Transfer); Diagnostic -1 (Unknown)"), bounce.ReasonNetworkError, "networkerror"},
		{"mailbox is full", diag("the mailbox of this user is full, try later"), bounce.ReasonMailboxFull, "mailboxfull"},
		{"postfach voll", diag("Das Postfach des Empfängers ist voll."), bounce.ReasonMailboxFull, "mailboxfull"},
		{"boite pleine", diag("La boîte aux lettres du destinataire est pleine."), bounce.ReasonMailboxFull, "mailboxfull"},
		{"chinese full", diag("对方邮箱空间已满，无法接收"), bounce.ReasonMailboxFull, "mailboxfull"},
		{"not accepting mail from", diag("they are not accepting mail from news@shop.example"), bounce.ReasonFiltered, "filtered"},
		// the receiving server's own words in a notice read by structure or from a mail store:
		// the address does not exist
		{"structural unknown user", withFormat("structural", "Unknown user: ann@example.org"), bounce.ReasonUserUnknown, "userunknown-own-words"},
		{"mdaemon no such user", withFormat("mdaemon", "ann@example.org - no such user here."), bounce.ReasonUserUnknown, "userunknown-own-words"},
		{"imail userid", withFormat("imailserver", "Invalid final delivery userid"), bounce.ReasonUserUnknown, "userunknown-mailstore"},
		{"french does not exist", withFormat("structural", "L'adresse de messagerie référencée n'existe pas."), bounce.ReasonUserUnknown, "userunknown-own-words"},
		{"german unknown", withFormat("structural", "Empfängeradresse unbekannt"), bounce.ReasonUserUnknown, "userunknown-own-words"},
		{"spanish does not exist", withFormat("structural", "la dirección de correo no existe"), bounce.ReasonUserUnknown, "userunknown-own-words"},
		{"russian does not exist", withFormat("structural", "адрес получателя не существует"), bounce.ReasonUserUnknown, "userunknown-own-words"},
		{"chinese does not exist", withFormat("netease", "退信原因：收件人地址不存在"), bounce.ReasonUserUnknown, "userunknown-own-words"},
		{"japanese does not exist", withFormat("structural", "宛先のユーザーが存在しません"), bounce.ReasonUserUnknown, "userunknown-own-words"},
		{"korean does not exist", withFormat("structural", "존재하지 않는 사용자입니다"), bounce.ReasonUserUnknown, "userunknown-own-words"},
		// kept from Sisimai: a relayed SMTP reply "user unknown" whose command is unknown
		{"relayed unknown user", diag("550 Unknown user ann@example.org"), bounce.ReasonFiltered, "filtered-unknown-unplaced"},
	})
}

// TestDelayedIsSoft checks that a delay notice is never a hard failure, whatever its wording.
func TestDelayedIsSoft(t *testing.T) {
	c := defaultClassifier(t)
	in := withStatus("4.1.1", "450 4.1.1 user unknown, will retry")
	in.Action = "delayed"
	got := c.Classify(in)
	if got.Type != bounce.TypeSoft || got.Hard() {
		t.Errorf("delayed %s: type %s, want soft", got.Reason, got.Type)
	}
}

// TestStructuralConfidence checks that a record read by structure is less sure than the same
// diagnostic in a known format, and that the evidence says why.
func TestStructuralConfidence(t *testing.T) {
	c := defaultClassifier(t)
	known := c.Classify(withStatus("5.1.1", "550 5.1.1 mailbox unavailable"))
	in := withStatus("5.1.1", "550 5.1.1 mailbox unavailable")
	in.Format = "structural"
	got := c.Classify(in)
	if got.Reason != known.Reason || got.Rule != known.Rule {
		t.Fatalf("structural %s by %s, known format %s by %s", got.Reason, got.Rule, known.Reason, known.Rule)
	}
	if want := math.Round(known.Confidence*75) / 100; got.Confidence != want {
		t.Errorf("confidence %.2f, want %.2f (three quarters of %.2f)", got.Confidence, want, known.Confidence)
	}
	found := false
	for _, e := range got.Evidence {
		found = found || strings.Contains(e, "by structure")
	}
	if !found {
		t.Errorf("evidence %q does not say the record was read by structure", got.Evidence)
	}
}
