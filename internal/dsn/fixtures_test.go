package dsn

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixtureDir holds the project's own test messages: name.eml with name.json beside it.
var fixtureDir = filepath.Join("..", "..", "testdata", "fixtures")

// expectation is the content of a fixture's .json file. Fields left out are not checked;
// "diagnostic" is a substring of the decoded diagnostic.
type expectation struct {
	Kind           string              `json:"kind"`
	Format         string              `json:"format"`
	Subject        string              `json:"subject"`
	ReportingMTA   string              `json:"reporting_mta"`
	FeedbackType   string              `json:"feedback_type"`
	SourceIP       string              `json:"source_ip"`
	ReportedDomain string              `json:"reported_domain"`
	Recipients     []map[string]string `json:"recipients"`
	Original       *struct {
		MessageID string            `json:"message_id"`
		Subject   string            `json:"subject"`
		Headers   map[string]string `json:"headers"`
	} `json:"original"`
}

func fixtureNames(t testing.TB) []string {
	names, err := filepath.Glob(filepath.Join(fixtureDir, "*.eml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures in %s: %v", fixtureDir, err)
	}
	return names
}

func TestFixtures(t *testing.T) {
	for _, name := range fixtureNames(t) {
		base := strings.TrimSuffix(filepath.Base(name), ".eml")
		t.Run(base, func(t *testing.T) {
			var want expectation
			js, err := os.ReadFile(strings.TrimSuffix(name, ".eml") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatalf("%s.json: %v", base, err)
			}
			r, err := decodeFile(t, name)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			checkReport(t, base, r)
			compareReport(t, r, &want)
		})
	}
}

func compareReport(t *testing.T, r *Report, want *expectation) {
	t.Helper()
	eq := func(what, got, exp string) {
		if exp != "" && got != exp {
			t.Errorf("%s = %q, want %q", what, got, exp)
		}
	}
	eq("kind", string(r.Kind), want.Kind)
	eq("format", r.Format, want.Format)
	eq("subject", r.Subject, want.Subject)
	eq("reporting MTA", r.ReportingMTA, want.ReportingMTA)
	eq("feedback type", r.FeedbackType, want.FeedbackType)
	eq("source IP", r.SourceIP, want.SourceIP)
	eq("reported domain", r.ReportedDomain, want.ReportedDomain)
	if len(r.Recipients) != len(want.Recipients) {
		t.Fatalf("%d recipients %s, want %d", len(r.Recipients), recipientList(r.Recipients), len(want.Recipients))
	}
	for i, w := range want.Recipients {
		compareRecipient(t, i, r.Recipients[i], w)
	}
	if o := want.Original; o != nil {
		eq("original Message-ID", r.Original.MessageID, o.MessageID)
		eq("original subject", r.Original.Subject, o.Subject)
		for k, v := range o.Headers {
			eq("original "+k, r.Original.Headers[k], v)
		}
	}
}

func compareRecipient(t *testing.T, i int, got Recipient, w map[string]string) {
	t.Helper()
	fields := map[string]string{
		"recipient": got.Recipient, "original_recipient": got.OriginalRecipient, "action": got.Action,
		"status": got.Status, "field_status": got.FieldStatus, "reply_code": got.ReplyCode,
		"remote_mta": got.RemoteMTA, "command": got.Command, "hint": got.Hint,
	}
	for k, v := range w {
		if k == "diagnostic" {
			if !strings.Contains(got.Diagnostic, v) {
				t.Errorf("recipient %d: diagnostic %q does not contain %q", i, got.Diagnostic, v)
			}
			continue
		}
		g, ok := fields[k]
		if !ok {
			t.Errorf("recipient %d: unknown field %q in fixture", i, k)
			continue
		}
		if g != v {
			t.Errorf("recipient %d: %s = %q, want %q", i, k, g, v)
		}
	}
}

// FuzzDecode checks that Decode never panics or hangs and that reports are well formed.
func FuzzDecode(f *testing.F) {
	for _, name := range fixtureNames(f) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("From: a\n\n"))
	f.Add([]byte("Content-Type: multipart/report; boundary=x\n\n--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@b.c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		start := time.Now()
		r, err := Decode(data)
		if !bytes.Equal(data, orig) {
			t.Fatal("Decode modified its input")
		}
		if d := time.Since(start); d > 2*time.Second {
			// A slow decode is a hang or a blow-up only if it is slow again: on a loaded
			// machine one run can be descheduled for seconds.
			start = time.Now()
			Decode(data)
			if d2 := time.Since(start); d2 > 2*time.Second {
				t.Fatalf("decode took %v, then %v", d, d2)
			}
		}
		if err != nil {
			if r != nil {
				t.Fatalf("report and error: %v", err)
			}
			return
		}
		checkReport(t, "fuzz", r)
	})
}

// BenchmarkDecode decodes every fixture in turn.
func BenchmarkDecode(b *testing.B) {
	var msgs [][]byte
	size := 0
	for _, name := range fixtureNames(b) {
		data, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, data)
		size += len(data)
	}
	b.SetBytes(int64(size / len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Decode(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
	}
}
