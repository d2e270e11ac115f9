package bounce

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"time"
)

// referenceJSON is how Event was written (as scan.Record) through encoding/json before AppendJSON.
func referenceJSON(r *Event) ([]byte, error) {
	null := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	var at *string
	if !r.BouncedAt.IsZero() {
		s := r.BouncedAt.UTC().Format(time.RFC3339)
		at = &s
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		File          string  `json:"file"`
		Position      string  `json:"position"`
		MessageID     *string `json:"message_id"`
		Recipient     string  `json:"recipient"`
		Action        *string `json:"action"`
		Status        *string `json:"status"`
		ReplyCode     *string `json:"reply_code"`
		Diagnostic    *string `json:"diagnostic"`
		RemoteMTA     *string `json:"remote_mta"`
		ReportingMTA  *string `json:"reporting_mta"`
		Reason        string  `json:"reason"`
		Type          string  `json:"type"`
		Hard          bool    `json:"hard"`
		Provider      string  `json:"provider"`
		Rule          string  `json:"rule"`
		Confidence    float64 `json:"confidence"`
		BouncedAt     *string `json:"bounced_at"`
		Sender        *string `json:"sender"`
		Subject       *string `json:"subject"`
		Campaign      *string `json:"campaign"`
		SendingDomain *string `json:"sending_domain"`
		FeedbackType  *string `json:"feedback_type"`
		Format        string  `json:"format"`
	}{
		File: r.File, Position: r.Position, MessageID: null(r.OriginalMessageID), Recipient: r.Recipient,
		Action: null(r.Action), Status: null(r.Status), ReplyCode: null(r.ReplyCode),
		Diagnostic: null(r.Diagnostic), RemoteMTA: null(r.RemoteMTA), ReportingMTA: null(r.ReportingMTA),
		Reason: string(r.Reason), Type: string(r.Type), Hard: r.Hard, Provider: r.Provider, Rule: r.Rule,
		Confidence: r.Confidence, BouncedAt: at, Sender: null(r.Sender),
		Subject: null(r.Subject), Campaign: null(r.Campaign), SendingDomain: null(r.SendingDomain),
		FeedbackType: null(r.FeedbackType), Format: r.Format,
	})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

func checkJSON(t *testing.T, r Event) {
	t.Helper()
	want, err := referenceJSON(&r)
	if err != nil {
		t.Fatal(err)
	}
	got := r.AppendJSON(nil)
	if !bytes.Equal(got, want) {
		t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Errorf("AppendJSON wrote invalid JSON: %s", got)
	}
}

func TestEventJSON(t *testing.T) {
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.FixedZone("x", 3600))
	checkJSON(t, Event{})
	checkJSON(t, Event{File: "/m/new/1", Position: "/m/new/1", Recipient: "a@b.example", Reason: "userunknown",
		Type: "hard", Hard: true, Provider: "gmail", Rule: "status-5.1.1", Confidence: 0.95, BouncedAt: at,
		Diagnostic: `550 5.1.1 <a@b.example>: "no such user" \ tab	cr` + "\r\nnul\x00 bell\x07 bs\b ff\f del\x7f",
		Subject:    "caf\u00e9 \u2028 \u2029 \xff\xfe bad utf-8 \U0001F600 & < >", Format: "rfc3464"})
	for _, c := range []float64{0, 1, 0.1, 1.0 / 3, 1e-7, 2.5e-9, 1e21, 123456789} {
		checkJSON(t, Event{Confidence: c})
	}
}

func FuzzEventJSON(f *testing.F) {
	f.Add("a@b.example", "550 \"x\" \\ \x00 \u2028 \xff", 0.5)
	f.Add("", "", 1e-9)
	f.Fuzz(func(t *testing.T, rcpt, diag string, conf float64) {
		if conf != conf || conf > 1e300 || conf < -1e300 {
			return // not a confidence
		}
		checkJSON(t, Event{Recipient: rcpt, Diagnostic: diag, Subject: diag + rcpt, Confidence: conf})
	})
}

// BenchmarkEventJSON compares writing the JSON line of an event field by field (AppendJSON,
// what parse uses) with json.Encoder calling MarshalJSON and with encoding/json's reflection.
func BenchmarkEventJSON(b *testing.B) {
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	evs := []Event{
		{File: "/var/mail/bounces/new/1762160400.M1P2.mx", Position: "/var/mail/bounces/new/1762160400.M1P2.mx",
			OriginalMessageID: "<20261103090000.1234@shop.example>", Recipient: "jane.doe@example.com",
			Action: "failed", Status: "5.1.1", ReplyCode: "550",
			Diagnostic: "smtp; 550 5.1.1 <jane.doe@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
			RemoteMTA:  "mx1.example.com", ReportingMTA: "mail.shop.example", Reason: ReasonUserUnknown, Type: TypeHard,
			Hard: true, Provider: "other", Rule: "status-5.1.1", Confidence: 0.95, BouncedAt: at,
			Sender: "news@shop.example", Subject: "Your November offers", Campaign: "nov-2026",
			SendingDomain: "shop.example", Format: "rfc3464"},
		{File: "/var/mail/bounces/new/1762160401.M2P2.mx", Position: "/var/mail/bounces/new/1762160401.M2P2.mx",
			Recipient: "bob@example.net", Action: "delayed", Status: "4.2.2", Diagnostic: "mailbox full",
			Reason: ReasonMailboxFull, Type: TypeSoft, Provider: "other", Rule: "mailboxfull", Confidence: 0.8,
			BouncedAt: at, Format: "postfix"},
	}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		n := 0
		for b.Loop() {
			buf = evs[n%len(evs)].AppendJSON(buf[:0])
			n++
		}
	})
	b.Run("encoder", func(b *testing.B) { // json.Encoder calling MarshalJSON
		b.ReportAllocs()
		enc := json.NewEncoder(io.Discard)
		enc.SetEscapeHTML(false)
		n := 0
		for b.Loop() {
			if err := enc.Encode(evs[n%len(evs)]); err != nil {
				b.Fatal(err)
			}
			n++
		}
	})
	b.Run("reflect", func(b *testing.B) { // encoding/json on a struct, as before AppendJSON
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if _, err := referenceJSON(&evs[n%len(evs)]); err != nil {
				b.Fatal(err)
			}
			n++
		}
	})
}
