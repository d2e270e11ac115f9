package classify

import (
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/bounce"
)

// The diagnostics below are written for these tests: each stands for a family of wordings.

type classifyCase struct {
	name string
	in   Input
	want bounce.Reason
	rule string // expected deciding rule, when it matters
}

func runCases(t *testing.T, cases []classifyCase) {
	t.Helper()
	c := defaultClassifier(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Classify(tc.in)
			if got.Reason != tc.want || tc.rule != "" && got.Rule != tc.rule {
				t.Errorf("got %s by %s, want %s by %q\nevidence: %s", got.Reason, got.Rule, tc.want, tc.rule, strings.Join(got.Evidence, "\n  "))
			}
			info, _ := got.Reason.Info()
			if got.Type == "" || got.Action == "" || got.Confidence <= 0 || got.Confidence > 1 {
				t.Errorf("incomplete result %+v", got)
			}
			if got.Reason != bounce.ReasonNotAccept && got.Type != info.Type && !strings.HasPrefix(got.Rule, "user") {
				t.Errorf("type %s, vocabulary says %s", got.Type, info.Type)
			}
		})
	}
}

func diag(d string) Input {
	return Input{Recipient: "rcpt@example.org", Action: "failed", Diagnostic: d}
}

func withStatus(st, d string) Input {
	in := diag(d)
	in.Status = st
	return in
}

func withCommand(cmd, d string) Input {
	in := diag(d)
	in.Command = cmd
	return in
}

func TestPhraseFamilies(t *testing.T) {
	runCases(t, []classifyCase{
		// mailererror
		{"procmail", withStatus("5.1.1", "procmail: unable to open mailbox for writing"), bounce.ReasonMailerError, "mailer-program"},
		{"pipe exit", diag("Command died with status 73: \"/usr/local/bin/deliver-filter\""), bounce.ReasonMailerError, ""},
		{"exit status only", withStatus("5.3.0", "69"), bounce.ReasonMailerError, "mailer-program"},
		// hasmoved
		{"moved", withStatus("5.1.6", "550 5.1.6 address of this recipient has been replaced by a newer one"), bounce.ReasonHasMoved, ""},
		{"551 try", diag("551 User not local; please try <someone@elsewhere.example>"), bounce.ReasonHasMoved, "hasmoved"},
		// notaccept
		{"null mx", diag("556 5.1.10 Recipient domain publishes a null MX record"), bounce.ReasonNotAccept, "notaccept"},
		{"no mail accepted", diag("This domain does not accept mail"), bounce.ReasonNotAccept, "notaccept"},
		{"not from you", diag("550 this server does not accept mail from your network"), bounce.ReasonBlocked, "blocked-ip"},
		// norelaying
		{"relay denied", diag("554 5.7.1 <rcpt@example.org>: Relay access denied"), bounce.ReasonNoRelaying, "norelaying"},
		{"relay over 5.1.1", withStatus("5.1.1", "550 5.1.1 relaying not permitted for this client"), bounce.ReasonNoRelaying, "norelaying"},
		// notcompliantrfc
		{"rfc5322", withStatus("5.7.1", "550 5.7.1 Our server found this message is not RFC 5322 compliant"), bounce.ReasonNotCompliantRFC, "notcompliantrfc"},
		{"duplicate header", diag("554 Transaction failed: duplicate header 'X-Some-Header'"), bounce.ReasonNotCompliantRFC, "notcompliantrfc"},
		{"bare lf", diag("550 bare LF in message body is not permitted"), bounce.ReasonNotCompliantRFC, ""},
		{"missing date", diag("550 message refused: missing Date header"), bounce.ReasonNotCompliantRFC, ""},
		// authfailure
		{"dmarc", withStatus("5.7.1", "550 5.7.1 message rejected per the DMARC policy of the author domain"), bounce.ReasonAuthFailure, "authfailure"},
		{"spf fail", diag("550 SPF check failed for the envelope sender"), bounce.ReasonAuthFailure, "authfailure"},
		{"dkim", diag("550 5.7.20 no valid DKIM signature found for the author"), bounce.ReasonAuthFailure, ""},
		{"unauthenticated", diag("550 this mail is unauthenticated, please set up sender authentication"), bounce.ReasonAuthFailure, ""},
		// requireptr
		{"no ptr", diag("550 5.7.25 The connecting IP has no PTR record, fix your reverse DNS"), bounce.ReasonRequirePTR, "requireptr"},
		{"hostname", diag("450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.4]"), bounce.ReasonRequirePTR, ""},
		// blocked: lists
		{"spamhaus", withStatus("5.7.1", "554 5.7.1 Service unavailable; client host [192.0.2.1] blocked using zen.spamhaus.org"), bounce.ReasonBlocked, "blocked-list"},
		{"listed", diag("550 your sending address 192.0.2.3 is listed at a DNS blocklist"), bounce.ReasonBlocked, "blocked-list"},
		{"blocklist over 5.1.1", withStatus("5.1.1", "550 5.1.1 rejected, the sender IP is on our blacklist"), bounce.ReasonBlocked, "blocked-list"},
		// policyviolation
		{"local policy", diag("554 5.7.1 message refused due to local policy"), bounce.ReasonPolicyViolation, "policyviolation"},
		{"policy reasons", diag("554 Mail from someone@example.com rejected for policy reasons"), bounce.ReasonPolicyViolation, "policyviolation"},
		// rejected (sender)
		{"sender rejected", diag("553 5.1.8 <bounce@example.com>: Sender address rejected: Domain not found"), bounce.ReasonRejected, "rejected-sender"},
		{"sender verify", diag("550 sender verify failed for <bounce@example.com>"), bounce.ReasonRejected, "rejected-sender"},
		{"mail from refused", diag("550 MAIL FROM address refused: unknown domain"), bounce.ReasonRejected, "rejected-sender"},
		{"list member", diag("You are not a member of this mailing list; posting is limited"), bounce.ReasonRejected, ""},
		// failedstarttls
		{"starttls", diag("530 5.7.0 Must issue a STARTTLS command first"), bounce.ReasonFailedSTARTTLS, "failedstarttls"},
		{"tls required", diag("450 TLS is required to deliver to this domain"), bounce.ReasonFailedSTARTTLS, ""},
		// virusdetected
		{"virus", diag("554 5.7.1 The message contained a virus (Eicar-Test-Signature)"), bounce.ReasonVirusDetected, "virusdetected"},
		{"malware", diag("550 message rejected: malware detected in attachment"), bounce.ReasonVirusDetected, ""},
		// badreputation
		{"reputation", diag("421 4.7.0 Your domain reputation is too low, try again later"), bounce.ReasonBadReputation, "badreputation"},
		// blocked: ip
		{"client host", diag("554 5.7.1 Client host rejected: access from your network is not allowed"), bounce.ReasonBlocked, "blocked-ip"},
		{"dynamic ip", diag("550 We do not accept mail from dynamic IP ranges"), bounce.ReasonBlocked, "blocked-ip"},
		// ratelimited
		{"too many connections", diag("421 Too many concurrent connections from your host, slow down"), bounce.ReasonRateLimited, "ratelimited"},
		{"rate limited", withStatus("4.7.0", "421 4.7.0 Sending rate exceeded, you are being rate limited"), bounce.ReasonRateLimited, "ratelimited"},
		{"per hour", diag("450 you have sent 500 messages per hour, come back later"), bounce.ReasonRateLimited, ""},
		{"greylist", withStatus("4.7.1", "450 4.7.1 Recipient address rejected: greylisted for 5 minutes"), bounce.ReasonRateLimited, "ratelimited"},
		{"rate over 5.1.1", withStatus("5.1.1", "550 5.1.1 192.0.2.7 has sent to too many recipients this hour"), bounce.ReasonRateLimited, "ratelimited"},
		// spamdetected
		{"spam", withStatus("5.7.1", "550 5.7.1 Message rejected: it looks like spam to our filters"), bounce.ReasonSpamDetected, "spamdetected"},
		{"unsolicited", diag("554 This message appears to be unsolicited bulk email"), bounce.ReasonSpamDetected, ""},
		// mailboxfull
		{"quota", diag("552 5.2.2 Mailbox over quota"), bounce.ReasonMailboxFull, "mailboxfull"},
		{"full over 5.1.1", withStatus("5.1.1", "550 5.1.1 <rcpt@example.org>... mailbox is full"), bounce.ReasonMailboxFull, "mailboxfull"},
		{"german", diag("452 Postfach voll"), bounce.ReasonMailboxFull, ""},
		{"exchange quota", withStatus("5.2.0", "554 5.2.0 STOREDRV.Deliver.Exception:QuotaExceededException.MapiException"), bounce.ReasonMailboxFull, "mailboxfull"},
		{"not sending quota", diag("554 Throttling failure: daily message quota exceeded"), bounce.ReasonRateLimited, "ratelimited"},
		// emailtoolarge
		{"too large", diag("552 Message too large for this system"), bounce.ReasonEmailTooLarge, "emailtoolarge"},
		{"size exceeds", diag("552 message size exceeds the limit of 10 MB"), bounce.ReasonEmailTooLarge, ""},
		// suspend
		{"disabled", diag("550 5.2.1 The account you wrote to is disabled"), bounce.ReasonSuspend, "suspend"},
		{"inactive", diag("550 Mailbox inactive for more than 12 months"), bounce.ReasonSuspend, ""},
		// contenterror
		{"attachment", diag("554 5.6.1 Prohibited attachment type in message"), bounce.ReasonContentError, "contenterror"},
		{"mime", diag("554 invalid MIME structure"), bounce.ReasonContentError, ""},
		// filtered
		{"preferences", diag("550 Delivery refused due to recipient preferences"), bounce.ReasonFiltered, "filtered"},
		{"only from", diag("550 This mailbox is only accepting mail from known contacts"), bounce.ReasonFiltered, ""},
		// command-aware
		{"rejected at helo", withCommand("EHLO", "550 Rejected"), bounce.ReasonBlocked, "blocked-at-connect"},
		{"rejected at mail", withCommand("MAIL", "550 5.7.1 Access denied"), bounce.ReasonRejected, "rejected-at-mail"},
		{"unknown after data", withCommand("DATA", "550 Unknown user"), bounce.ReasonFiltered, "filtered-after-data"},
		{"unknown at rcpt", withCommand("RCPT", "550 Unknown user"), bounce.ReasonUserUnknown, "userunknown-at-rcpt"},
		{"unknown with 5.2.0", withStatus("5.2.0", "550 5.2.0 user unknown"), bounce.ReasonFiltered, "filtered-status"},
		// DNS: temporary vs permanent
		{"dns temporary", withStatus("4.4.3", "DNS error: lookup of example.net responded NXDOMAIN"), bounce.ReasonNetworkError, "networkerror-dns-temporary"},
		{"dns try again", diag("Host or domain name not found. Name service error for name=example.net type=MX: Host not found, try again"), bounce.ReasonNetworkError, "networkerror-dns-tryagain"},
		// hostunknown
		{"host unknown", diag("550 Host unknown"), bounce.ReasonHostUnknown, "hostunknown"},
		{"domain not found", withStatus("5.4.4", "Host or domain name not found. Name service error for name=example.invalid type=A: Host not found"), bounce.ReasonHostUnknown, ""},
		{"domain couldn't be found", diag("the domain example.invalid couldn't be found, check for typos"), bounce.ReasonHostUnknown, "hostunknown"},
		// userunknown. Without a status code and without the SMTP command, "user unknown" is
		// read as filtered (filtered-unknown-unplaced, below), so these family cases name the
		// command RCPT, which userunknown-at-rcpt decides with the userunknown phrases, or a 4.x
		// code, which leaves the plain userunknown rule to decide.
		{"no such user", withCommand("RCPT", "550 no such user here"), bounce.ReasonUserUnknown, "userunknown-at-rcpt"},
		{"regex family", withCommand("RCPT", "550 the recipient <abc@example.org> is not known at this site"), bounce.ReasonUserUnknown, "userunknown-at-rcpt"},
		{"account missing", diag("550 5.1.1 This user doesn't have an example.org account"), bounce.ReasonUserUnknown, ""},
		{"french", withCommand("RCPT", "550 Utilisateur inconnu"), bounce.ReasonUserUnknown, "userunknown-at-rcpt"},
		{"plain rule", withStatus("4.0.0", "450 4.0.0 no such user here"), bounce.ReasonUserUnknown, "userunknown"},
		{"unknown after rcpt in text", diag("SMTP error from remote server after RCPT command: 550 no such user"), bounce.ReasonUserUnknown, "userunknown"},
		// nothing says the directory answered: no X.1.1 code, no RCPT command
		{"unknown unplaced", diag("550 no such user here"), bounce.ReasonFiltered, "filtered-unknown-unplaced"},
		{"unknown with 5.0.0", withStatus("5.0.0", "550 5.0.0 Unknown user"), bounce.ReasonFiltered, "filtered-unknown-unplaced"},
		{"unknown with 5.2.1", withStatus("5.2.1", "550 5.2.1 <abc@example.org>... User Unknown"), bounce.ReasonFiltered, "filtered-unknown-unplaced"},
		{"unknown with 5.1.1", withStatus("5.1.1", "550 5.1.1 Unknown user"), bounce.ReasonUserUnknown, ""},
		{"says the address does not exist", diag("The message was not delivered because the address couldn't be found"), bounce.ReasonUserUnknown, "userunknown-explicit"},
		{"trend micro notice", Input{Format: "trendmicro", Action: "failed", Diagnostic: "Unable to deliver message to <a@example.org>."}, bounce.ReasonUserUnknown, "userunknown-trendmicro"},
		{"kddi empty address", Input{Recipient: "a@ezweb.ne.jp", Action: "failed", Diagnostic: "550 : User unknown"}, bounce.ReasonFiltered, "kddi-filtered-no-address"},
		{"kddi address", Input{Recipient: "a@ezweb.ne.jp", Action: "failed", Diagnostic: "550 <a@ezweb.ne.jp>: User unknown"}, bounce.ReasonUserUnknown, "kddi-userunknown"},
		{"x-unix program error", Input{Action: "failed", Status: "4.3.0", DiagnosticType: "x-unix", Diagnostic: "temporary failure"}, bounce.ReasonMailerError, "mailererror-x-unix"},
		{"x-unix quota", Input{Action: "failed", Status: "5.2.2", DiagnosticType: "x-unix", Diagnostic: "quota exceeded"}, bounce.ReasonMailboxFull, ""},
		{"ezweb refusal", Input{Format: "ezweb", Action: "failed", Diagnostic: "Each of the following recipients was rejected by a remote mail server."}, bounce.ReasonFiltered, "filtered-ezweb"},
		{"messagelabs registration", Input{Format: "messagelabs", Action: "failed", Status: "5.0.0", Diagnostic: "542 box@example.org Rejected"}, bounce.ReasonUserUnknown, "userunknown-messagelabs"},
		{"messagelabs relayed", Input{Format: "messagelabs", Action: "failed", Status: "5.0.0", Diagnostic: "550 box@example.org... No such user"}, bounce.ReasonUserUnknown, "userunknown-messagelabs"},
		{"mail store directory", Input{Format: "notes", Action: "failed", Diagnostic: "User not listed in the address book"}, bounce.ReasonUserUnknown, "userunknown-mailstore"},
		// systemfull
		{"system storage", diag("452 Insufficient system storage"), bounce.ReasonSystemFull, "systemfull"},
		// expired
		{"expired", diag("Message expired after sitting in the queue for 5 days"), bounce.ReasonExpired, "expired"},
		{"timed out", withStatus("4.4.1", "connect to mx.example.org[192.0.2.9]:25: Connection timed out"), bounce.ReasonExpired, "expired"},
		{"attempts", diag("Delivery failed after 30 attempts"), bounce.ReasonExpired, "expired"},
		{"expired with network", withStatus("4.4.7", "Deferred: Connection refused by mx.example.org"), bounce.ReasonExpired, "expired-network"},
		{"expired but blocked", withStatus("4.4.7", "450 4.7.1 Client host rejected: cannot find a route back"), bounce.ReasonBlocked, "blocked-ip"},
		// networkerror
		{"no route", withStatus("4.4.1", "connect to mx.example.org[192.0.2.9]:25: No route to host"), bounce.ReasonNetworkError, "networkerror"},
		{"loop", diag("mail forwarding loop for rcpt@example.org"), bounce.ReasonNetworkError, ""},
		// systemerror
		{"local error", diag("451 4.3.0 Local error in processing"), bounce.ReasonSystemError, "systemerror"},
		{"ldap", diag("Unable to contact LDAP server"), bounce.ReasonSystemError, ""},
		{"qmail last error", Input{Format: "qmail", Status: "4.4.1", Action: "failed", Diagnostic: "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1) I'm not going to try again; this message has been in the queue too long."}, bounce.ReasonNetworkError, "qmail-last-error-network"},
		{"qmail last error system", Input{Format: "qmail", Status: "4.4.3", Action: "failed", Diagnostic: "Unable to contact LDAP server. (#4.4.3) I'm not going to try again; this message has been in the queue too long."}, bounce.ReasonSystemError, "qmail-last-error-system"},
		{"queue too long elsewhere", Input{Status: "4.4.1", Action: "failed", Diagnostic: "Sorry, I wasn't able to establish an SMTP connection. I'm not going to try again; this message has been in the queue too long."}, bounce.ReasonExpired, "expired"},
		{"list loop", Input{Format: "fml", Hint: "rejected", Action: "failed", Diagnostic: "Duplicated Message-ID in <list@example.org>."}, bounce.ReasonSystemError, "systemerror-list-loop"},
		// securityerror
		{"auth required", diag("530 5.7.0 Authentication required"), bounce.ReasonSecurityError, "securityerror"},
		// syntaxerror
		{"syntax", diag("500 Syntax error, command unrecognized"), bounce.ReasonSyntaxError, "syntaxerror"},
		{"syntax status", diag("500 5.5.2 Syntax error, command unrecognized"), bounce.ReasonSyntaxError, "status-x.5.1-2"},
		// last resort
		{"bare blocked", diag("554 Your message was blocked"), bounce.ReasonBlocked, "blocked-generic"},
	})
}

func TestStatusTable(t *testing.T) {
	runCases(t, []classifyCase{
		{"5.1.1", withStatus("5.1.1", "550 go away"), bounce.ReasonUserUnknown, "status-x.1.1"},
		{"5.1.2", withStatus("5.1.2", ""), bounce.ReasonHostUnknown, "status-x.1.2"},
		{"5.1.6", withStatus("5.1.6", ""), bounce.ReasonHasMoved, "status-x.1.6"},
		{"5.1.10", withStatus("5.1.10", ""), bounce.ReasonNotAccept, "status-x.1.10"},
		{"5.2.2", withStatus("5.2.2", "550 user unknown"), bounce.ReasonMailboxFull, "status-x.2.2"},
		{"5.2.3", withStatus("5.2.3", ""), bounce.ReasonEmailTooLarge, "status-x.2.3"},
		{"5.3.4", withStatus("5.3.4", ""), bounce.ReasonEmailTooLarge, "status-x.3.4"},
		{"4.4.7", withStatus("4.4.7", ""), bounce.ReasonExpired, "status-x.4.7"},
		{"5.4.6", withStatus("5.4.6", ""), bounce.ReasonNetworkError, "status-x.4.6"},
		{"5.5.2", withStatus("5.5.2", ""), bounce.ReasonSyntaxError, "status-x.5.1-2"},
		{"5.7.1 alone", withStatus("5.7.1", "554 nope"), bounce.ReasonBlocked, "status-x.7.1"},
		{"5.7.13", withStatus("5.7.13", ""), bounce.ReasonSuspend, "status-x.7.13"},
		{"5.7.25", withStatus("5.7.25", ""), bounce.ReasonRequirePTR, "status-x.7.25"},
		{"5.7.26", withStatus("5.7.26", ""), bounce.ReasonAuthFailure, "status-x.7.26"},
		{"5.7.27", withStatus("5.7.27", ""), bounce.ReasonNotAccept, "status-x.7.27"},
		{"ms 5.7.606", withStatus("5.7.606", "550 5.7.606 Access denied"), bounce.ReasonBlocked, "microsoft-banned-ip"},
		{"ms 5.7.515", withStatus("5.7.515", ""), bounce.ReasonAuthFailure, "microsoft-auth-5.7.515"},
		{"ms 4.7.650", withStatus("4.7.650", ""), bounce.ReasonBadReputation, "microsoft-ip-reputation"},
		{"status in diagnostic", diag("550 5.1.1 <rcpt@example.org>: bounced"), bounce.ReasonUserUnknown, "status-x.1.1"},
		{"generic status gives way", withStatus("5.0.0", "550 5.2.2 over the limit"), bounce.ReasonMailboxFull, "status-x.2.2"},
	})
}

func TestReplyFallback(t *testing.T) {
	in := func(code, d string) Input { x := diag(d); x.ReplyCode = code; return x }
	runCases(t, []classifyCase{
		{"503", in("503", "503 bad"), bounce.ReasonSyntaxError, "reply-syntax"},
		{"521", in("521", "521 nope"), bounce.ReasonNotAccept, "reply-notaccept"},
		{"552", in("552", "552 nope"), bounce.ReasonMailboxFull, "reply-storage"},
		{"535", in("535", ""), bounce.ReasonSecurityError, "reply-auth"},
		{"reply in text", diag("551 x"), bounce.ReasonHasMoved, "reply-hasmoved"},
		{"550 says nothing", in("550", "550 nope"), bounce.ReasonOnHold, "no-rule"},
		{"nothing at all", Input{Recipient: "a@example.org"}, bounce.ReasonUndefined, "no-evidence"},
	})
}

func TestHintsAndKinds(t *testing.T) {
	c := defaultClassifier(t)
	for _, tc := range []struct {
		in   Input
		want bounce.Reason
		typ  bounce.Type
		act  bounce.Action
	}{
		{Input{Kind: "feedback", FeedbackType: "abuse"}, bounce.ReasonFeedback, bounce.TypeComplaint, bounce.ActionSuppress},
		{Input{Kind: "autoreply", Diagnostic: "I am out of the office"}, bounce.ReasonVacation, bounce.TypeAutoReply, bounce.ActionIgnore},
		{Input{Action: "delivered", Status: "2.0.0"}, bounce.ReasonDelivered, bounce.TypeDelivered, bounce.ActionIgnore},
		{Input{Action: "relayed"}, bounce.ReasonDelivered, bounce.TypeDelivered, bounce.ActionIgnore},
		{Input{Hint: "expired", Status: "5.0.0", Diagnostic: "message could not be sent"}, bounce.ReasonExpired, bounce.TypeSoft, bounce.ActionRetry},
		{Input{Hint: "toomanyconn"}, bounce.ReasonRateLimited, bounce.TypeBlock, bounce.ActionInvestigateReputation},
		// a hint loses to a phrase, wins over the status table
		{Input{Hint: "expired", Diagnostic: "550 mailbox is full"}, bounce.ReasonMailboxFull, bounce.TypeSoft, bounce.ActionRetry},
		{Input{Hint: "hostunknown", Status: "5.1.1"}, bounce.ReasonHostUnknown, bounce.TypeHard, bounce.ActionSuppress},
	} {
		got := c.Classify(tc.in)
		if got.Reason != tc.want || got.Type != tc.typ || got.Action != tc.act {
			t.Errorf("%+v: got %s/%s/%s by %s", tc.in, got.Reason, got.Type, got.Action, got.Rule)
		}
	}
}

func TestProviderRules(t *testing.T) {
	gmail := func(st, d string) Input {
		return Input{Recipient: "x@gmail.com", Status: st, Diagnostic: d, RemoteMTA: "gmail-smtp-in.l.google.com"}
	}
	ms := func(st, d string) Input {
		return Input{Recipient: "x@customer.example", Status: st, Diagnostic: d, RemoteMTA: "customer-example.mail.protection.outlook.com"}
	}
	other := func(rcpt, mta, st, d string) Input {
		return Input{Recipient: rcpt, Status: st, Diagnostic: d, RemoteMTA: mta}
	}
	runCases(t, []classifyCase{
		{"gmail unauthenticated", gmail("5.7.26", "550-5.7.26 This mail is unauthenticated, which poses a security risk"), bounce.ReasonAuthFailure, "gmail-auth"},
		{"gmail rate", gmail("4.7.28", "421-4.7.28 Our system has detected an unusual rate of unsolicited mail from your IP"), bounce.ReasonRateLimited, "gmail-ratelimit"},
		{"gmail spam", gmail("5.7.1", "550-5.7.1 Our system has detected that this message is 550-5.7.1 likely unsolicited mail"), bounce.ReasonSpamDetected, "gmail-spam"},
		{"gmail disabled", gmail("5.2.1", "550-5.2.1 The account you tried to reach is disabled"), bounce.ReasonSuspend, "gmail-disabled"},
		{"gmail receiving rate", gmail("4.2.1", "450-4.2.1 The recipient is receiving mail at a rate that prevents more"), bounce.ReasonRateLimited, "gmail-ratelimit"},
		{"gmail reputation", gmail("5.7.1", "550-5.7.1 this message is likely suspicious due to the very low reputation of the sending domain"), bounce.ReasonBadReputation, "gmail-reputation"},
		{"gmail auth 4.7.0", gmail("4.7.0", "421-4.7.0 This message does not have authentication information or fails to 421-4.7.0 pass authentication checks. Please try again later"), bounce.ReasonAuthFailure, "authfailure"},
		{"gmail rfc", gmail("5.7.1", "550-5.7.1 This message is not RFC 5322 compliant, to reduce spam it has been blocked"), bounce.ReasonNotCompliantRFC, "notcompliantrfc"},
		{"ms banned", ms("5.7.606", "550 5.7.606 Access denied, banned sending IP [192.0.2.1]"), bounce.ReasonBlocked, ""},
		{"ms S3150", ms("5.7.1", "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent (S3150)"), bounce.ReasonBlocked, "microsoft-blocklist-codes"},
		{"ms reputation", ms("4.7.650", "451 4.7.650 The mail server has been temporarily rate limited due to IP reputation (S3113)"), bounce.ReasonBadReputation, "microsoft-reputation"},
		{"ms access denied", ms("5.4.1", "550 5.4.1 Recipient address rejected: Access denied"), bounce.ReasonUserUnknown, "microsoft-access-denied-recipient"},
		{"ms recipient not found", ms("5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found by SMTP address lookup"), bounce.ReasonUserUnknown, "microsoft-access-denied-recipient"},
		{"5.1.10 not found elsewhere", withStatus("5.1.10", "550 5.1.10 Recipient not found by lookup"), bounce.ReasonUserUnknown, "userunknown-status-5.1.10"},
		// TSS04 is Yahoo's verdict on the IP's volume and complaints: its reputation, not a bare block
		{"yahoo tss04", other("x@yahoo.com", "", "4.7.0", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints"), bounce.ReasonBadReputation, "yahoo-tss04"},
		{"aol tss09", other("x@aol.com", "", "4.7.0", "421 4.7.0 [TSS09] All messages from 192.0.2.1 will be permanently deferred"), bounce.ReasonRateLimited, "yahoo-tss09-ratelimit"},
		{"yahoo ph01", other("x@yahoo.co.uk", "", "5.7.9", "554 5.7.9 Message not accepted for policy reasons [PH01]"), bounce.ReasonBlocked, "yahoo-blocked"},
		{"godaddy ib", other("x@customer.example", "smtp.secureserver.net", "5.1.1", "550 5.1.1 192.0.2.1 has sent to too many recipients this hour. IB607"), bounce.ReasonRateLimited, "godaddy-ratelimit"},
		{"qq frequency", other("x@qq.com", "", "", "550 Mail frequency limited, please retry later"), bounce.ReasonRateLimited, "tencent-frequency"},
		{"orange refused", other("x@orange.fr", "", "4.2.0", "421 4.2.0 Service refuse, essayez plus tard"), bounce.ReasonBlocked, "orange-service-refused"},
		{"cox blocklist", other("x@cox.net", "", "5.1.0", "550 5.1.0 sender rejected AUP#CDRBL"), bounce.ReasonBlocked, "cox-blocklist"},
		{"docomo after data", Input{Recipient: "x@docomo.ne.jp", Command: "DATA", Diagnostic: "550 Unknown user x@docomo.ne.jp"}, bounce.ReasonRejected, "nttdocomo-unknown-after-data"},
		{"163 spam", other("x@163.com", "", "", "554 DT:SPM 163 mx3, some id, please see the help page"), bounce.ReasonSpamDetected, "netease-spam"},
		{"126 rate", other("x@126.com", "", "4.7.0", "451 4.7.0 MI:DMC too many connections from your IP, retry later"), bounce.ReasonRateLimited, "netease-ratelimit"},
		{"web.de bl", other("x@web.de", "", "", "554 IP=192.0.2.1 - A problem occurred. (Ask your postmaster for help) (BL)"), bounce.ReasonBlocked, "gmx-tonline-blocklist"},
		{"outlook rp", other("x@hotmail.com", "", "", "421 RP-001 (XYZ) Unfortunately, some messages from 192.0.2.1 weren't sent, we have hourly limits"), bounce.ReasonRateLimited, "microsoft-outlook-codes-rate"},
		{"outlook dy", other("x@outlook.com", "", "", "550 DY-001 (XYZ) messages from 192.0.2.1 weren't sent, dynamically-assigned ranges are refused"), bounce.ReasonBlocked, "microsoft-outlook-codes-blocked"},
		{"mimecast user entry", other("x@customer.example", "us-smtp-inbound-2.mimecast.com", "", "550 Envelope blocked - User Entry - see the help page"), bounce.ReasonFiltered, "mimecast-user-entry"},
		{"mimecast network", other("x@customer.example", "eu-smtp-inbound-1.mimecast.com", "", "554 Host network not allowed"), bounce.ReasonPolicyViolation, "mimecast-host-network"},
	})
}

func TestProvider(t *testing.T) {
	c := defaultClassifier(t)
	for _, tc := range []struct{ rcpt, mta, want string }{
		{"a@gmail.com", "", "gmail"},
		{"a@GoogleMail.com", "", "gmail"},
		{"a@customer.example", "aspmx.l.google.com", "gmail"},
		{"a@customer.example", "ALT1.ASPMX.L.GOOGLE.COM. [192.0.2.1]", "gmail"},
		{"a@hotmail.co.uk", "", "microsoft"},
		{"a@live.fr", "", "microsoft"},
		{"a@customer.example", "customer-example.mail.protection.outlook.com", "microsoft"},
		{"a@yahoo.fr", "", "yahoo"},
		{"a@aol.com", "", "yahoo"},
		{"a@yahoo.co.jp", "", "yahoojapan"},
		{"a@icloud.com", "", "apple"},
		{"a@gmx.de", "", "gmx"},
		{"a@web.de", "", "gmx"},
		{"a@yandex.ru", "", "yandex"},
		{"a@proton.me", "", "proton"},
		{"a@customer.example", "in1-smtp.messagingengine.com", "fastmail"},
		{"a@qq.com", "", "tencent"},
		{"a@example.org", "", "other"},
		{"not an address", "", "other"},
		{"", "", "other"},
	} {
		if got := c.Provider(tc.rcpt, tc.mta); got != tc.want {
			t.Errorf("Provider(%q, %q) = %s, want %s", tc.rcpt, tc.mta, got, tc.want)
		}
	}
	// the reporting MTA is the last resort
	if got := c.Classify(Input{Recipient: "a@customer.example", ReportingMTA: "mail-ed1-f70.google.com"}); got.Provider != "gmail" {
		t.Errorf("reporting MTA: %s", got.Provider)
	}
}

func TestTypeActionStatus(t *testing.T) {
	c := defaultClassifier(t)
	for _, tc := range []struct {
		in     Input
		reason bounce.Reason
		typ    bounce.Type
		act    bounce.Action
		status string
		reply  string
	}{
		{diag("550 5.1.1 no such user"), bounce.ReasonUserUnknown, bounce.TypeHard, bounce.ActionSuppress, "5.1.1", "550"},
		// the command RCPT makes a bare "no such user" the directory's answer (without it the
		// reason is filtered: filtered-unknown-unplaced)
		{withCommand("RCPT", "550 no such user"), bounce.ReasonUserUnknown, bounce.TypeHard, bounce.ActionSuppress, "5.1.1", "550"},
		{diag("550 no such user"), bounce.ReasonFiltered, bounce.TypeSoft, bounce.ActionRetry, "5.2.0", "550"},
		{diag("452 mailbox is full"), bounce.ReasonMailboxFull, bounce.TypeSoft, bounce.ActionRetry, "4.2.2", "452"},
		{diag("mailbox is full"), bounce.ReasonMailboxFull, bounce.TypeSoft, bounce.ActionRetry, "5.2.2", ""},
		{Input{Action: "delayed", Diagnostic: "mailbox is full"}, bounce.ReasonMailboxFull, bounce.TypeSoft, bounce.ActionRetry, "4.2.2", ""},
		{diag("521 this host does not accept mail"), bounce.ReasonNotAccept, bounce.TypeHard, bounce.ActionSuppress, "5.1.10", "521"},
		{withStatus("4.3.2", "421 4.3.2 this domain does not accept mail now"), bounce.ReasonNotAccept, bounce.TypeSoft, bounce.ActionRetry, "4.3.2", "421"},
		{diag("554 client host rejected: your ip is blocked"), bounce.ReasonBlocked, bounce.TypeBlock, bounce.ActionInvestigateReputation, "5.7.1", "554"},
		{diag("550 relay access denied"), bounce.ReasonNoRelaying, bounce.TypeBlock, bounce.ActionFixTechnical, "5.7.1", "550"},
		{diag("554 virus found in message"), bounce.ReasonVirusDetected, bounce.TypeBlock, bounce.ActionReviewContent, "5.7.1", "554"},
		{Input{Status: "5.9.99", Diagnostic: "whatever"}, bounce.ReasonOnHold, bounce.TypeSoft, bounce.ActionRetry, "5.9.99", ""},
		{Input{Status: "bogus", ReplyCode: "x"}, bounce.ReasonUndefined, bounce.TypeUnknown, bounce.ActionManualReview, "bogus", "x"},
	} {
		got := c.Classify(tc.in)
		if got.Reason != tc.reason || got.Type != tc.typ || got.Action != tc.act || got.Status != tc.status || got.ReplyCode != tc.reply {
			t.Errorf("%+v:\n got %s/%s/%s status %q reply %q\nwant %s/%s/%s status %q reply %q", tc.in,
				got.Reason, got.Type, got.Action, got.Status, got.ReplyCode, tc.reason, tc.typ, tc.act, tc.status, tc.reply)
		}
		if got.Hard() != (got.Type == bounce.TypeHard) {
			t.Error("Hard() disagrees with Type")
		}
	}
}

func TestEvidence(t *testing.T) {
	c := defaultClassifier(t)
	got := c.Classify(Input{Recipient: "a@gmail.com", Status: "5.1.1",
		Diagnostic: "550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 Please check"})
	ev := strings.Join(got.Evidence, "\n")
	for _, want := range []string{"provider gmail from the recipient domain gmail.com", "rule gmail-nonexistent (provider stage, rules/providers.rules:", "status 5.1.1 matched 5.1.1"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence lacks %q:\n%s", want, ev)
		}
	}
	got = c.Classify(withStatus("5.2.2", "552 5.2.2 no such user, mailbox gone"))
	ev = strings.Join(got.Evidence, "\n")
	if got.Reason != bounce.ReasonMailboxFull || !strings.Contains(ev, "also matched") || !strings.Contains(ev, "yields to the specific status") {
		t.Errorf("a phrase overruled by a specific status should be told:\n%s", ev)
	}
	got = c.Classify(withCommand("RCPT", "550 mailbox not found"))
	if ev := strings.Join(got.Evidence, "\n"); !strings.Contains(ev, `phrase "mailbox not found" in diagnostic`) || !strings.Contains(ev, "derived from reason userunknown") {
		t.Errorf("phrase evidence:\n%s", ev)
	}
	got = c.Classify(Input{Status: "5.1.1", DiagnosticType: "x-unix", Diagnostic: "maildrop: no such user"})
	if got.Reason != bounce.ReasonMailerError || !strings.Contains(strings.Join(got.Evidence, "\n"), "diagnostic type x-unix") {
		t.Errorf("x-unix: %s %v", got.Reason, got.Evidence)
	}
}

func TestLongDiagnostic(t *testing.T) {
	c := defaultClassifier(t)
	long := "550 5.2.2 mailbox is full " + strings.Repeat("padding words here ", 5000) + " relay access denied"
	got := c.Classify(diag(long))
	if got.Reason != bounce.ReasonMailboxFull || !strings.Contains(strings.Join(got.Evidence, "\n"), "only its start is read") {
		t.Errorf("long diagnostic: %s %v", got.Reason, got.Evidence)
	}
}

func TestSpecificStatusWins(t *testing.T) {
	c := defaultClassifier(t)
	// a specific status beats a weak phrase ...
	if got := c.Classify(withStatus("5.1.1", "550 5.1.1 local error in processing")); got.Reason != bounce.ReasonUserUnknown {
		t.Errorf("5.1.1 with a systemerror phrase: %s", got.Reason)
	}
	// ... and a generic status does not
	if got := c.Classify(withStatus("5.7.1", "550 5.7.1 local error in processing")); got.Reason != bounce.ReasonSystemError {
		t.Errorf("5.7.1 with a systemerror phrase: %s", got.Reason)
	}
	// an X-Postfix (non-SMTP) diagnostic is read for phrases even with a specific status
	in := withStatus("5.4.4", "Name service error for name=example.org type=MX: Malformed or unexpected name server reply")
	in.DiagnosticType = "X-Postfix"
	if got := c.Classify(in); got.Reason != bounce.ReasonNetworkError {
		t.Errorf("x-postfix: %s", got.Reason)
	}
}
