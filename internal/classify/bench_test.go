package classify

import (
	"testing"

	"github.com/reboundhq/rebound/internal/bounce"
)

// benchInputs are typical recipients: a specific status, a phrase decision, a provider rule,
// a long multi-line reply and one that no rule decides.
var benchInputs = []Input{
	{Recipient: "someone@example.org", Status: "5.1.1", ReplyCode: "550", Action: "failed", Kind: "bounce",
		Diagnostic: "550 5.1.1 <someone@example.org>: Recipient address rejected: User unknown in virtual mailbox table", RemoteMTA: "mx1.example.org"},
	{Recipient: "full@example.net", Status: "4.2.2", ReplyCode: "452", Action: "delayed", Kind: "bounce",
		Diagnostic: "452 4.2.2 The recipient's inbox is out of storage space, please try again later"},
	{Recipient: "x@gmail.com", Status: "5.7.26", ReplyCode: "550", Action: "failed", Kind: "bounce", RemoteMTA: "gmail-smtp-in.l.google.com",
		Diagnostic: "550-5.7.26 This mail has been blocked because the sender is unauthenticated. 550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM. 550-5.7.26 550-5.7.26 Authentication results: 550-5.7.26 DKIM = did not pass 550-5.7.26 SPF [example.com] with ip: [192.0.2.1] = did not pass 550 5.7.26 For instructions on setting up authentication, go to https://support.google.com/mail/answer/81126#authentication x1si123456.1 - gsmtp"},
	{Recipient: "y@outlook.com", Status: "5.7.1", ReplyCode: "550", Action: "failed", Kind: "bounce", RemoteMTA: "eur.olc.protection.outlook.com",
		Diagnostic: "550 5.7.1 Service unavailable, Client host [192.0.2.9] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.9 (AS3130). [AM0EUR02FT011.eop-EUR02.prod.protection.outlook.com]"},
	{Recipient: "z@example.com", Status: "5.0.0", Action: "failed", Kind: "bounce",
		Diagnostic: "the remote server answered something this classifier has never seen before and cannot place"},
}

func BenchmarkClassify(b *testing.B) {
	c := defaultClassifier(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Classify(benchInputs[i%len(benchInputs)])
	}
}

func BenchmarkClassifyParallel(b *testing.B) {
	c := defaultClassifier(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c.Classify(benchInputs[i%len(benchInputs)])
			i++
		}
	})
}

func BenchmarkLoad(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Default(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchInputs keeps the benchmark honest: its inputs are classified as intended.
func TestBenchInputs(t *testing.T) {
	c := defaultClassifier(t)
	want := []bounce.Reason{bounce.ReasonUserUnknown, bounce.ReasonMailboxFull, bounce.ReasonAuthFailure, bounce.ReasonBlocked, bounce.ReasonOnHold}
	for i, in := range benchInputs {
		if got := c.Classify(in); got.Reason != want[i] {
			t.Errorf("input %d: %s by %s, want %s\n%v", i, got.Reason, got.Rule, want[i], got.Evidence)
		}
	}
}
