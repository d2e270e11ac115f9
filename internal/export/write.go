package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format is an export format.
type Format string

// Formats.
const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// Formats lists every Format.
var Formats = []Format{CSV, JSONL}

// ParseFormat returns the Format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown export format %q: want csv or jsonl", s)
}

// Write writes rows in the given format. Rows are written sorted by email (a sorted copy is
// made); two rows for one email are an error.
func Write(w io.Writer, f Format, rows []Row) error {
	rows, err := sorted(rows)
	if err != nil {
		return err
	}
	ew, err := NewWriter(w, f)
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
	sortRows(out)
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

// Writer writes an export one row at a time, so that a list of any length is written in
// constant memory. Rows must come in increasing order of email: a row out of order, or a
// second row for an email, is an error and nothing more is written.
//
// CSV is an RFC 4180 file: a header row (written by NewWriter, so an empty list still has it),
// then one record per row, CRLF line endings (RFC 4180 section 2, rule 1), fields quoted when
// they contain a comma, a quote or a line break, UTF-8 without a byte order mark. Every cell is
// neutralised against formula injection (see Neutralize).
//
// JSON Lines is one JSON object per line (LF), keys as in Columns. Values are not neutralised
// (JSON has no formulas), HTML characters are not escaped.
type Writer struct {
	csv   *csv.Writer
	rec   []string
	bw    *bufio.Writer
	enc   *json.Encoder
	last  string
	wrote bool
}

// NewWriter starts an export in format f on w.
func NewWriter(w io.Writer, f Format) (*Writer, error) {
	switch f {
	case CSV:
		cw := csv.NewWriter(w)
		cw.UseCRLF = true
		if err := cw.Write(Columns); err != nil {
			return nil, err
		}
		return &Writer{csv: cw, rec: make([]string, len(Columns))}, nil
	case JSONL:
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		return &Writer{bw: bw, enc: enc}, nil
	}
	return nil, fmt.Errorf("unknown export format %q", f)
}

// Write writes one row.
func (w *Writer) Write(r Row) error {
	if w.wrote && r.Email <= w.last {
		if r.Email == w.last {
			return fmt.Errorf("two export rows for %s", r.Email)
		}
		return fmt.Errorf("export row for %s after %s: rows must be sorted by email", r.Email, w.last)
	}
	w.last, w.wrote = r.Email, true
	c := r.cells()
	if w.csv != nil {
		for i, v := range c {
			w.rec[i] = csvText(Neutralize(v))
		}
		return w.csv.Write(w.rec)
	}
	return w.enc.Encode(jsonRow{
		Email: strings.ToValidUTF8(r.Email, "\uFFFD"), State: c[1], Type: c[2], Reason: c[3],
		Status: null(c[4]), ReplyCode: null(c[5]), Provider: null(c[6]), FirstBounce: null(c[7]),
		LastBounce: null(c[8]), Bounces: r.Bounces, WindowBounces: r.WindowBounces,
		SuppressedUntil: null(c[11]), Rule: null(c[12]), LastDiagnostic: null(c[13]),
	})
}

// Flush writes out what is buffered; call it after the last row.
func (w *Writer) Flush() error {
	if w.csv != nil {
		w.csv.Flush()
		return w.csv.Error()
	}
	return w.bw.Flush()
}

// cells returns the row's values as text, in Columns order.
func (r Row) cells() []string {
	return []string{r.Email, string(r.State), string(r.Type), string(r.Reason), r.Status, r.ReplyCode,
		r.Provider, formatTime(r.FirstBounce), formatTime(r.LastBounce), strconv.Itoa(r.Bounces),
		strconv.Itoa(r.WindowBounces), formatTime(r.SuppressedUntil), r.Rule, CleanDiagnostic(r.LastDiagnostic)}
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

func null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
