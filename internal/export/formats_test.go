package export

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

// formatRows are two permanent suppressions: a hard bounce and a complaint.
func formatRows() []Row {
	return []Row{
		{Email: "+plus@example.com", State: bounce.StateSuppressed, Decision: bounce.Event{Type: bounce.TypeHard, Reason: "userunknown", Status: "5.1.1", ReplyCode: "550", Provider: "other", Rule: "status-5.1.1", Diagnostic: "=HYPERLINK(\"x\") 550 5.1.1 no such user"}, FirstBounce: t0, LastBounce: t0, Bounces: 1},
		{Email: "ann@example.com", State: bounce.StateSuppressed, Decision: bounce.Event{Type: bounce.TypeComplaint, Reason: "feedback", Provider: "gmail", Rule: "arf"}, FirstBounce: t0, LastBounce: t0.Add(26 * time.Hour), Bounces: 1},
	}
}

// TestFormats pins every service format: columns and date format as the service documents
// them (docs/export.md), the address as it is, free text neutralised.
func TestFormats(t *testing.T) {
	for f, want := range map[Format]string{
		Mailchimp: "Email Address,Bounce Type,Reason,Last Bounce\r\n" +
			"+plus@example.com,hard,userunknown,2026-03-01\r\n" +
			"ann@example.com,complaint,feedback,2026-03-02\r\n",
		HubSpot:  "Email\r\n+plus@example.com\r\nann@example.com\r\n",
		SendGrid: `{"recipient_emails":["+plus@example.com","ann@example.com"]}` + "\n",
		Mailgun: "address,code,error,created_at\r\n" +
			"+plus@example.com,550,\"'=HYPERLINK(\"\"x\"\") 550 5.1.1 no such user\",\"Sun, 01 Mar 2026 08:30:00 +0000\"\r\n" +
			"ann@example.com,,,\"Mon, 02 Mar 2026 10:30:00 +0000\"\r\n",
		SES: "+plus@example.com,BOUNCE\r\nann@example.com,COMPLAINT\r\n",
	} {
		var buf bytes.Buffer
		if err := Write(&buf, f, formatRows()); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if buf.String() != want {
			t.Errorf("%s:\n%q\nwant\n%q", f, buf.String(), want)
		}
		var empty bytes.Buffer
		if err := Write(&empty, f, nil); err != nil {
			t.Fatalf("%s, empty: %v", f, err)
		}
		wantEmpty := strings.SplitAfter(want, "\r\n")[0]
		switch f {
		case SES:
			wantEmpty = ""
		case SendGrid:
			wantEmpty = `{"recipient_emails":[]}` + "\n"
		}
		if empty.String() != wantEmpty {
			t.Errorf("%s, empty list: %q", f, empty.String())
		}
		if !f.Permanent() || f.Changes() {
			t.Errorf("%s: a service's list is permanent and cannot say what left it", f)
		}
		if _, err := NewWriter(&buf, f, Options{Changes: true}); err == nil {
			t.Errorf("%s accepts a change column", f)
		}
	}
	if CSV.Permanent() || JSONL.Permanent() || !CSV.Changes() || !JSONL.Changes() {
		t.Error("csv and jsonl hold pauses and changes")
	}
}

// TestAddressColumn: the address is written as it is (a CRM suppresses exactly it) unless
// SpreadsheetSafe; an address that is not valid and normalised is never written.
func TestAddressColumn(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, CSV, Options{})
	for _, r := range formatRows() {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if !strings.Contains(buf.String(), "\r\n+plus@example.com,suppressed,") || !strings.Contains(buf.String(), `"'=HYPERLINK(""x"") 550`) {
		t.Errorf("address rewritten or diagnostic not neutralised:\n%s", buf.String())
	}
	buf.Reset()
	w, _ = NewWriter(&buf, CSV, Options{SpreadsheetSafe: true})
	w.Write(formatRows()[0])
	w.Flush()
	if !strings.Contains(buf.String(), "\r\n'+plus@example.com,suppressed,") {
		t.Errorf("--spreadsheet-safe does not neutralise the address:\n%s", buf.String())
	}
	for _, bad := range []string{"=HYPERLINK(\"http://x\")@example.com", "Ann@Example.com", "no-at-sign", " ann@example.com"} {
		buf.Reset()
		w, _ = NewWriter(&buf, CSV, Options{})
		if err := w.Write(Row{Email: bad, State: bounce.StateSuppressed}); !errors.Is(err, ErrBadAddress) {
			t.Errorf("%q: %v, want ErrBadAddress", bad, err)
		}
		if err := w.Write(Row{Email: "ok@example.com", State: bounce.StateSuppressed}); err != nil {
			t.Errorf("after a bad address: %v", err)
		}
		w.Flush()
		if strings.Contains(buf.String(), bad) || !strings.Contains(buf.String(), "ok@example.com") {
			t.Errorf("%q:\n%s", bad, buf.String())
		}
	}
}

// TestChanges: with Options.Changes, CSV and JSON Lines carry a change column; removed rows
// come after the others, in their own order, with only the address and its state now.
func TestChanges(t *testing.T) {
	rows := formatRows()
	rows[0].Change, rows[1].Change = ChangeAdded, ChangeChanged
	removed := []Row{{Email: "bob@example.com", State: bounce.StateActive, Change: ChangeRemoved},
		{Email: "cat@example.com", State: bounce.StateSoft, Change: ChangeRemoved}}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, CSV, Options{Changes: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(rows, removed...) {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(Row{Email: "zed@example.com", State: bounce.StateSuppressed, Change: ChangeAdded}); err == nil {
		t.Error("a listed row after the removed ones is accepted")
	}
	w.Flush()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n")
	if len(lines) != 5 || !strings.HasSuffix(lines[0], ",last_diagnostic,change") ||
		!strings.HasSuffix(lines[1], ",added") || !strings.HasSuffix(lines[2], ",changed") ||
		lines[3] != "bob@example.com,active,,,,,,,,,,,,,removed" || lines[4] != "cat@example.com,soft,,,,,,,,,,,,,removed" {
		t.Errorf("CSV with changes:\n%s", buf.String())
	}
	if l, r := w.Rows(); l != 2 || r != 2 {
		t.Errorf("Rows() = %d, %d", l, r)
	}
	buf.Reset()
	w, _ = NewWriter(&buf, JSONL, Options{Changes: true})
	w.Write(rows[0])
	w.Write(removed[0])
	w.Flush()
	if !strings.Contains(buf.String(), `"email":"+plus@example.com",`) || !strings.Contains(buf.String(), `,"change":"added"}`) ||
		!strings.Contains(buf.String(), `{"email":"bob@example.com","state":"active",`) || !strings.Contains(buf.String(), `"change":"removed"}`) {
		t.Errorf("JSON Lines with changes:\n%s", buf.String())
	}
	// Without Changes, removed rows are not written.
	buf.Reset()
	w, _ = NewWriter(&buf, CSV, Options{})
	if err := w.Write(removed[0]); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if strings.Contains(buf.String(), "bob@") {
		t.Errorf("a removed row without Changes:\n%s", buf.String())
	}
}
