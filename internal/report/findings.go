package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// findingsWrap is the width at which long finding cells wrap in a table.
const findingsWrap = 36

// RenderFindings writes findings as text (one block each), a table, Markdown, CSV or JSON.
func RenderFindings(w io.Writer, fs []Finding, format Format, opts Options) error {
	switch format {
	case FormatJSON:
		if fs == nil {
			fs = []Finding{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(fs)
	case FormatText:
		return writeFindingsText(w, fs, opts)
	case FormatTable, FormatMarkdown:
		return writeTable(w, findingsTable(fs, format), format, opts)
	case FormatCSV:
		return writeCSV(w, findingsTable(fs, format))
	}
	return fmt.Errorf("findings cannot be written as %q (want text, table, json, csv or markdown)", format)
}

func findingsTable(fs []Finding, format Format) *table {
	t := &table{title: "Recommendations", empty: "No findings: nothing to recommend.", wrap: findingsWrap}
	if format == FormatMarkdown {
		t.wrap = 0
	}
	t.cols = []column{{"Severity", "severity", colText, 0}, {"Kind", "kind", colText, 8},
		{"Provider", "provider", colText, 9}, {"Finding", "finding", colText, 0}, {"Evidence", "evidence", colText, 0},
		{"Action", "action", colText, 0}}
	sep := "\n"
	if format != FormatTable {
		sep = "; "
	}
	for _, f := range fs {
		examples := f.Examples
		if format != FormatCSV {
			examples = shortened(examples)
		}
		ev := append(append([]string{}, f.Evidence...), prefixed("e.g. ", examples)...)
		sev := txt(string(f.Severity))
		sev.warn = f.Severity == Critical
		t.rows = append(t.rows, []cell{sev, txt(string(f.Kind)), txt(f.Provider), txt(findingTitle(f)),
			txt(strings.Join(ev, sep)), txt(f.Action)})
	}
	return t
}

func findingTitle(f Finding) string {
	if len(f.Codes) == 0 {
		return f.Title
	}
	return f.Title + " (" + strings.Join(f.Codes, ", ") + ")"
}

// shortened is the examples as the outputs read in a terminal show them (shorten).
func shortened(examples []string) []string {
	out := make([]string, len(examples))
	for i, e := range examples {
		out[i] = shorten(e)
	}
	return out
}

func prefixed(p string, items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = p + s
	}
	return out
}

// writeFindingsText writes one block per finding:
//
//	CRITICAL  blocklist  Rejections naming the Spamhaus block list
//	  evidence  12 rejections name Spamhaus (by provider: gmail 10, other 2)
//	  example   554 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org
//	  action    Find and stop the cause ..., then check and request removal at ...
func writeFindingsText(w io.Writer, fs []Finding, opts Options) error {
	p := &printer{w: w}
	if len(fs) == 0 {
		p.line("No findings: nothing to recommend.")
		return p.err
	}
	for i, f := range fs {
		if i > 0 {
			p.line("")
		}
		sev := strings.ToUpper(string(f.Severity))
		who := ""
		if f.Provider != "" {
			who = " [" + f.Provider + "]"
		}
		head := fmt.Sprintf("%s  %s%s  ", sev, f.Kind, who)
		title := strings.Split(wrapText(findingTitle(f), max(opts.Width-len(head), minText*boolToInt(opts.Width > 0))), "\n")
		if opts.Color {
			head = severityColor[f.Severity] + sev + ansiReset + head[len(sev):]
		}
		p.line("%s%s", head, title[0])
		for _, l := range title[1:] {
			p.line("%s%s", strings.Repeat(" ", len(head)), l)
		}
		for _, e := range f.Evidence {
			p.hanging("  evidence  ", e, opts.Width)
		}
		for _, e := range shortened(f.Examples) {
			p.hanging("  example   ", e, opts.Width)
		}
		p.hanging("  action    ", f.Action, opts.Width)
	}
	return p.err
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// hanging writes label and text, the text wrapped within width (0: not wrapped) with its
// continuation lines indented under its start.
func (p *printer) hanging(label, text string, width int) {
	if width > 0 {
		width = max(width-len(label), minText)
	}
	indent := strings.Repeat(" ", len(label))
	for i, line := range strings.Split(wrapText(text, width), "\n") {
		if i == 0 {
			p.line("%s%s", label, line)
		} else {
			p.line("%s%s", indent, line)
		}
	}
}

var severityColor = map[Severity]string{Critical: ansiBold + ansiRed, Warning: ansiYellow, Info: ansiCyan}
