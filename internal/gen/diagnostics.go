package gen

import "strings"

// Kind is a classified bounce of a common shape, for the benchmarks that start after decoding
// (the store's per-day counts and the report's aggregation and recommendations), so that both
// judge the same diagnostics. Diagnostic may hold one %s, which stands for the recipient.
type Kind struct {
	Type, Reason, Status, ReplyCode, Diagnostic string
}

// DiagnosticFor returns the diagnostic of k for a recipient.
func (k Kind) DiagnosticFor(rcpt string) string {
	return strings.Replace(k.Diagnostic, "%s", rcpt, 1)
}

// Kinds spread events over types and reasons, with diagnostics of the usual shapes: some name
// the recipient, some end with a unique token (as Gmail's do), some are shared by every
// recipient (a block list, an authentication failure).
var Kinds = []Kind{
	{"hard", "userunknown", "5.1.1", "550", "550 5.1.1 <%s>: Recipient address rejected: User unknown"},
	{"hard", "userunknown", "5.1.1", "550", "550-5.1.1 The email account that you tried to reach does not exist. %s - gsmtp"},
	{"hard", "hostunknown", "5.1.2", "550", "550 5.1.2 Host unknown (Name server: %s: host not found)"},
	{"soft", "mailboxfull", "4.2.2", "452", "452-4.2.2 The recipient's inbox is out of storage space. %s - gsmtp"},
	{"soft", "mailboxfull", "5.2.2", "552", "552 5.2.2 <%s>: mailbox full"},
	{"soft", "expired", "4.4.7", "", "delivery temporarily suspended: connect to mx.example.org: Connection timed out"},
	{"block", "blocked", "5.7.1", "554", "554 5.7.1 Service unavailable; client host [192.0.2.9] blocked using zen.spamhaus.org"},
	{"block", "spamdetected", "5.7.1", "550", "550 5.7.1 Message rejected as spam by Content Filtering. %s"},
	{"block", "authfailure", "5.7.26", "550", "550-5.7.26 This mail is unauthenticated. DMARC policy. %s - gsmtp"},
	{"block", "ratelimited", "4.7.28", "421", "421-4.7.28 Unusual rate of unsolicited mail originating from your IP. %s - gsmtp"},
	{"block", "policyviolation", "5.7.1", "550", "550 5.7.1 Unfortunately, messages from [192.0.2.9] weren't sent. (S3150)"},
	{"block", "rejected", "5.7.1", "550", "550 5.7.1 Rejected"},
	{"complaint", "feedback", "", "", ""},
	{"autoreply", "vacation", "", "", ""},
	{"unknown", "undefined", "", "", "something went wrong %s"},
	{"delivered", "delivered", "2.0.0", "250", ""},
}

// Providers are the providers of those events, a name once per share ("" is unknown).
var Providers = []string{"gmail", "gmail", "gmail", "microsoft", "microsoft", "yahoo", "apple", "gmx",
	"orange", "other", "other", ""}
