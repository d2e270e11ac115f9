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
	t.cols = []column{{"Severity", "severity", colText}, {"Kind", "kind", colText},
		{"Provider", "provider", colText}, {"Finding", "finding", colText}, {"Evidence", "evidence", colText},
		{"Action", "action", colText}}
	sep := "\n"
	if format != FormatTable {
		sep = "; "
	}
	for _, f := range fs {
		ev := append(append([]string{}, f.Evidence...), prefixed("e.g. ", f.Examples)...)
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
//	  evidence  12 rejections name Spamhaus: gmail 10, other 2
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
		if opts.Color {
			sev = severityColor[f.Severity] + sev + ansiReset
		}
		who := ""
		if f.Provider != "" {
			who = " [" + f.Provider + "]"
		}
		p.line("%s  %s%s  %s", sev, f.Kind, who, findingTitle(f))
		for _, e := range f.Evidence {
			p.line("  evidence  %s", e)
		}
		for _, e := range f.Examples {
			p.line("  example   %s", e)
		}
		p.line("  action    %s", f.Action)
	}
	return p.err
}

var severityColor = map[Severity]string{Critical: ansiBold + ansiRed, Warning: ansiYellow, Info: ansiCyan}
