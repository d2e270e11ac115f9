package export

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/address"
	"github.com/reboundhq/rebound/internal/bounce"
)

// Format is an export format: rebound's own CSV and JSON Lines, and the suppression imports of
// five services, each with the columns and date format that service documents (docs/export.md,
// "Formats for CRMs and sending services").
type Format string

// Formats.
const (
	CSV       Format = "csv"
	JSONL     Format = "jsonl"
	Mailchimp Format = "mailchimp" // audience import of cleaned contacts: "Email Address" and fields
	HubSpot   Format = "hubspot"   // opt-out list import: an "Email" column
	SendGrid  Format = "sendgrid"  // the body of POST /v3/asm/suppressions/global
	Mailgun   Format = "mailgun"   // bounces import: address, code, error, created_at (RFC 2822)
	// MailgunComplaints is Mailgun's complaints import: address, created_at (RFC 2822).
	MailgunComplaints Format = "mailgun-complaints"
	SES               Format = "ses" // account-level suppression list import: address,BOUNCE|COMPLAINT
)

// Formats lists every Format.
var Formats = []Format{CSV, JSONL, Mailchimp, HubSpot, SendGrid, Mailgun, MailgunComplaints, SES}

// ParseFormat returns the Format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown export format %q: want %s", s, strings.Join(names, ", "))
}

// Permanent reports whether the format can only hold permanent suppressions: the services'
// lists have no end time, so a pause exported to them would never end.
func (f Format) Permanent() bool { return f != CSV && f != JSONL }

// ImportLimit is the largest file the service's import takes, in bytes, 0 when it documents
// none: Mailgun's bounces and complaints imports take a CSV of 25 MB or under.
func (f Format) ImportLimit() int64 {
	if f == Mailgun || f == MailgunComplaints {
		return 25_000_000 // "25MB": read as decimal, the smaller
	}
	return 0
}

// Changes reports whether the format can say that an address left the list (the change column
// of export --new). The services' imports only add.
func (f Format) Changes() bool { return f == CSV || f == JSONL }

// Changes of export --new (the change column).
const (
	ChangeAdded   = "added"   // not delivered before, or left the list since
	ChangeChanged = "changed" // delivered before with another fingerprint
	ChangeRemoved = "removed" // delivered before, and now on no list: the CRM may mail it again
)

// Options control a Writer.
type Options struct {
	// Changes adds the change column (CSV, JSON Lines) for export --new: added, changed or
	// removed. Removed rows come after the others.
	Changes bool
	// SpreadsheetSafe neutralises the email column too (see Neutralize): for a file opened in a
	// spreadsheet rather than imported. Other text columns are always neutralised.
	SpreadsheetSafe bool
}

// Write writes rows in the given format. Rows are written sorted by email (a sorted copy is
// made); two rows for one email are an error.
func Write(w io.Writer, f Format, rows []Row) error {
	rows, err := sorted(rows)
	if err != nil {
		return err
	}
	ew, err := NewWriter(w, f, Options{})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := ew.Write(r); err != nil {
			return err
		}
	}
	return ew.Flush()
}

// sorted returns the rows sorted by email, rejecting duplicates.
func sorted(rows []Row) ([]Row, error) {
	out := append([]Row(nil), rows...)
	slices.SortStableFunc(out, func(a, b Row) int { return cmp.Compare(a.Email, b.Email) })
	for i := 1; i < len(out); i++ {
		if out[i].Email == out[i-1].Email {
			return nil, fmt.Errorf("two export rows for %s", out[i].Email)
		}
	}
	return out, nil
}

// WriteCSV writes rows as CSV (see Writer), sorted by email.
func WriteCSV(w io.Writer, rows []Row) error { return Write(w, CSV, rows) }

// WriteJSONL writes rows as JSON Lines (see Writer), sorted by email.
func WriteJSONL(w io.Writer, rows []Row) error { return Write(w, JSONL, rows) }

// ErrBadAddress is the error of a row whose email is not a valid, normalised address: it is not
// written (the address column is never rewritten, so it is never written wrong either).
var ErrBadAddress = errors.New("not a valid address")

// Writer writes an export one row at a time, so that a list of any length is written in
// constant memory. Rows must come in increasing order of email (with Options.Changes, the
// removed rows in their own increasing order after the others): a row out of order, or a
// second row for an email, is an error and nothing more is written.
//
// Every email is checked to be a valid, normalised address (address.Normalize gives it back
// unchanged); a row whose email is not is refused with ErrBadAddress, and the writer goes on.
//
// CSV is an RFC 4180 file: a header row (written by NewWriter, so an empty list still has it),
// then one record per row, CRLF line endings (RFC 4180 section 2, rule 1), fields quoted when
// they contain a comma, a quote or a line break, UTF-8 without a byte order mark. Every text
// cell but the email is neutralised against formula injection (see Neutralize); the email is
// written as it is, unless Options.SpreadsheetSafe.
//
// JSON Lines is one JSON object per line (LF), keys as in Columns. Values are not neutralised
// (JSON has no formulas), HTML characters are not escaped.
//
// The services' formats are described with their constants and in docs/export.md.
type Writer struct {
	f    Format
	opt  Options
	csv  *csv.Writer
	rec  []string
	bw   *bufio.Writer
	enc  *json.Encoder
	last [2]string // last email written: listed rows, removed rows
	n    [2]int    // rows written: listed rows, removed rows
}

// NewWriter starts an export in format f on w.
func NewWriter(w io.Writer, f Format, opt Options) (*Writer, error) {
	if opt.Changes && !f.Changes() {
		return nil, fmt.Errorf("the %s format cannot say which addresses left the list", f)
	}
	ew := &Writer{f: f, opt: opt}
	switch f {
	case JSONL:
		ew.bw = bufio.NewWriter(w)
		ew.enc = json.NewEncoder(ew.bw)
		ew.enc.SetEscapeHTML(false)
		return ew, nil
	case SendGrid:
		ew.bw = bufio.NewWriter(w)
		_, err := ew.bw.WriteString(`{"recipient_emails":[`)
		return ew, err
	}
	header, ok := csvHeaders[f]
	if !ok {
		return nil, fmt.Errorf("unknown export format %q", f)
	}
	if f == CSV && opt.Changes {
		header = append(slices.Clip(header), "change")
	}
	ew.csv = csv.NewWriter(w)
	ew.csv.UseCRLF = true
	ew.rec = make([]string, len(header))
	if !f.hasHeaderLine() {
		return ew, nil
	}
	return ew, ew.csv.Write(header)
}

// hasHeaderLine reports whether a file of format f begins with a header line: the CSV formats
// but SES, whose import file has none.
func (f Format) hasHeaderLine() bool {
	_, csv := csvHeaders[f]
	return csv && f != SES
}

// csvHeaders are the header rows of the CSV formats (SES's file has none: its columns).
var csvHeaders = map[Format][]string{
	CSV:               Columns,
	Mailchimp:         {"Email Address", "Bounce Type", "Reason", "Last Bounce"},
	HubSpot:           {"Email"},
	Mailgun:           {"address", "code", "error", "created_at"},
	MailgunComplaints: {"address", "created_at"},
	SES:               {"address", "reason"},
}

// Write writes one row; see Writer for the order and the address check.
func (w *Writer) Write(r Row) error {
	if norm, err := address.Normalize(r.Email); err != nil || norm != r.Email {
		return fmt.Errorf("export row for %q: %w", r.Email, ErrBadAddress)
	}
	if r.Change == ChangeRemoved && !w.opt.Changes {
		return nil // the format cannot say it: the caller counts it
	}
	g := 0
	if r.Change == ChangeRemoved {
		g = 1
	} else if w.n[1] > 0 {
		return fmt.Errorf("export row for %s after the removed rows", r.Email)
	}
	if w.n[g] > 0 && r.Email <= w.last[g] {
		if r.Email == w.last[g] {
			return fmt.Errorf("two export rows for %s", r.Email)
		}
		return fmt.Errorf("export row for %s after %s: rows must be sorted by email", r.Email, w.last[g])
	}
	w.last[g] = r.Email
	w.n[g]++
	switch w.f {
	case JSONL:
		return w.writeJSON(r)
	case SendGrid:
		sep := ","
		if w.n[0] == 1 {
			sep = ""
		}
		b, _ := json.Marshal(r.Email) // a valid address: nothing to escape but quotes
		_, err := w.bw.WriteString(sep + string(b))
		return err
	}
	email := r.Email
	if w.opt.SpreadsheetSafe {
		email = Neutralize(email)
	}
	switch w.f {
	case CSV:
		c := r.cells()
		w.rec[0] = email
		for i, v := range c[1:] {
			w.rec[i+1] = csvText(Neutralize(v))
		}
		if w.opt.Changes {
			w.rec[len(w.rec)-1] = r.Change
		}
	case Mailchimp:
		w.rec[0], w.rec[1], w.rec[2] = email, csvText(Neutralize(string(r.Decision.Type))), csvText(Neutralize(string(r.Decision.Reason)))
		w.rec[3] = formatDate(r.LastBounce, time.DateOnly)
	case HubSpot:
		w.rec[0] = email
	case Mailgun:
		w.rec[0], w.rec[1] = email, csvText(Neutralize(r.Decision.ReplyCode))
		w.rec[2] = csvText(Neutralize(CleanDiagnostic(r.Decision.Diagnostic)))
		w.rec[3] = formatDate(r.LastBounce, time.RFC1123Z)
	case MailgunComplaints:
		w.rec[0], w.rec[1] = email, formatDate(r.LastBounce, time.RFC1123Z)
	case SES:
		w.rec[0], w.rec[1] = email, "BOUNCE"
		if r.Decision.Type == bounce.TypeComplaint {
			w.rec[1] = "COMPLAINT"
		}
	}
	return w.csv.Write(w.rec)
}

// writeJSON writes one JSON Lines row.
func (w *Writer) writeJSON(r Row) error {
	c := r.cells()
	row := jsonRow{
		Email: r.Email, State: c[1], Type: c[2], Reason: c[3],
		Status: null(c[4]), ReplyCode: null(c[5]), Provider: null(c[6]), FirstBounce: null(c[7]),
		LastBounce: null(c[8]), Bounces: r.Bounces, WindowBounces: r.WindowBounces,
		SuppressedUntil: null(c[11]), Rule: null(c[12]), LastDiagnostic: null(c[13]),
	}
	if w.opt.Changes {
		return w.enc.Encode(jsonChangeRow{row, r.Change})
	}
	return w.enc.Encode(row)
}

// Rows returns how many rows were written: listed rows, and removed rows.
func (w *Writer) Rows() (listed, removed int) { return w.n[0], w.n[1] }

// Flush writes out what is buffered; call it after the last row.
func (w *Writer) Flush() error {
	switch {
	case w.csv != nil:
		w.csv.Flush()
		return w.csv.Error()
	case w.f == SendGrid:
		if _, err := w.bw.WriteString("]}\n"); err != nil {
			return err
		}
	}
	return w.bw.Flush()
}

// cells returns the row's values as text, in Columns order.
func (r *Row) cells() []string {
	d := &r.Decision
	return []string{r.Email, string(r.State), string(d.Type), string(d.Reason), d.Status, d.ReplyCode,
		d.Provider, formatTime(r.FirstBounce), formatTime(r.LastBounce), countCell(r, r.Bounces),
		countCell(r, r.WindowBounces), formatTime(r.SuppressedUntil), d.Rule, CleanDiagnostic(d.Diagnostic)}
}

// countCell writes a counter; a removed row (which has none) leaves it empty.
func countCell(r *Row, n int) string {
	if r.Change == ChangeRemoved {
		return ""
	}
	return strconv.Itoa(n)
}

// formatDate writes t in layout, in UTC; the zero time is "".
func formatDate(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(layout)
}

// csvText makes a value safe for encoding/csv: valid UTF-8, and every line break written as
// LF, which the writer emits as CRLF inside the quoted field (a lone CR would be dropped).
func csvText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// Neutralize defuses a cell that a spreadsheet would read as a formula, following OWASP's CSV
// injection guidance: a cell that starts with = + - @, a tab or a carriage return gets a
// single quote (') in front: "=1+1@example.com" becomes "'=1+1@example.com". A cell that
// already starts with ' gets one too, so that removing one leading ' from every cell that
// starts with one always gives the original value back. Other cells are unchanged. Double
// quotes inside cells are escaped by the CSV quoting itself.
func Neutralize(cell string) string {
	if cell != "" && strings.IndexByte("=+-@\t\r'", cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// jsonRow is a row as written in JSON Lines: the same keys as the CSV header; null for an
// empty value (unknown status, reply code, rule or diagnostic; permanent suppressed_until).
type jsonRow struct {
	Email           string  `json:"email"`
	State           string  `json:"state"`
	Type            string  `json:"type"`
	Reason          string  `json:"reason"`
	Status          *string `json:"status"`
	ReplyCode       *string `json:"reply_code"`
	Provider        *string `json:"provider"`
	FirstBounce     *string `json:"first_bounce"`
	LastBounce      *string `json:"last_bounce"`
	Bounces         int     `json:"bounces"`
	WindowBounces   int     `json:"window_bounces"`
	SuppressedUntil *string `json:"suppressed_until"`
	Rule            *string `json:"rule"`
	LastDiagnostic  *string `json:"last_diagnostic"`
}

// jsonChangeRow is a JSON Lines row of export --new: the row and its change.
type jsonChangeRow struct {
	jsonRow
	Change string `json:"change"`
}

func null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
