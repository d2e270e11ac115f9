package classify

// A crude check of the rules against the Sisimai corpus in ../shared, while the real decoder
// (internal/dsn) is written in parallel: it pulls Status:, Diagnostic-Code:, Action: and
// Remote-MTA: lines out of each message with a few regular expressions, or, for messages
// without them, the plain text of the bounce, and classifies that. The real corpus score is
// taken with the decoder and /work/shared/bin/score-corpus.

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const corpusDir = "../../../shared/corpus/sisimai"

type corpusLabel struct {
	File      string  `json:"file"`
	Index     int     `json:"index"`
	Recipient string  `json:"recipient"`
	Status    *string `json:"status"`
	ReplyCode *string `json:"reply_code"`
	Reason    string  `json:"reason"`
	Hard      bool    `json:"hard"`
}

var (
	crudeField      = regexp.MustCompile(`(?im)^(final-recipient|original-recipient|action|status|remote-mta|reporting-mta|diagnostic-code|x-postfix-sender)\s*:\s*(.*(?:\n[ \t]+.*)*)`)
	crudeFold       = regexp.MustCompile(`\s*\n[ \t]+`)
	crudeTypePfx    = regexp.MustCompile(`^(?i)(smtp|x-unix|x-local|x-postfix|mail|x-qmail|x-[a-z0-9-]+)\s*;\s*`)
	crudeMIME       = regexp.MustCompile(`(?im)^(content-[a-z-]+:.*|\s+(charset|boundary|name|filename)=.*|--.*|this is a (multi-part|mime).*|.*mime format.*|.*does not understand mime.*)$`)
	crudeTranscript = regexp.MustCompile(`(?im)^\s*>>> (data|rcpt to|mail from|ehlo|helo)`)
	crudeCommand    = regexp.MustCompile(`(?i)(in reply to (?:end of )?|after (?:end of )?|our (?:final )?|while sending |after sending )(data|rcpt to|rcpt|mail from|ehlo|helo|connect)\b`)
)

// crudeCmd guesses the SMTP command a diagnostic answered.
func crudeCmd(text string) string {
	if ms := crudeTranscript.FindAllStringSubmatch(text, -1); ms != nil {
		return normCmd(ms[len(ms)-1][1])
	}
	m := crudeCommand.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return normCmd(m[2])
}

func normCmd(c string) string {
	switch c = strings.ToUpper(c); c {
	case "RCPT TO":
		return "RCPT"
	case "MAIL FROM":
		return "MAIL"
	default:
		return c
	}
}

// crudeExtract returns the per-recipient inputs of one message, roughly.
func crudeExtract(data string) (recips []Input, reporting string, body string) {
	data = strings.ReplaceAll(data, "\r\n", "\n")
	var cur *Input
	for _, m := range crudeField.FindAllStringSubmatch(data, -1) {
		key, val := strings.ToLower(m[1]), strings.TrimSpace(crudeFold.ReplaceAllString(m[2], " "))
		switch key {
		case "reporting-mta":
			reporting = stripType(val)
		case "final-recipient":
			recips = append(recips, Input{Recipient: stripType(val), ReportingMTA: reporting})
			cur = &recips[len(recips)-1]
		case "action":
			if cur != nil {
				cur.Action = strings.ToLower(val)
			}
		case "status":
			if cur != nil {
				cur.Status = strings.Fields(val + " x")[0]
			}
		case "remote-mta":
			if cur != nil {
				cur.RemoteMTA = stripType(val)
			}
		case "diagnostic-code":
			if cur != nil {
				if t := crudeTypePfx.FindStringSubmatch(val); t != nil {
					cur.DiagnosticType = strings.ToLower(t[1])
					val = val[len(t[0]):]
				}
				cur.Diagnostic = val
			}
		}
	}
	// the bounce text: after the headers, up to the returned message
	if i := strings.Index(data, "\n\n"); i >= 0 {
		body = data[i+2:]
	}
	for _, cut := range []string{"Content-Type: message/rfc822", "Content-Type: message/delivery-status", "Content-Type: text/rfc822-headers",
		"--- Below this line", "------ This is a copy", "Original message follows", "----- Original message", "Received: from", "Return-Path:"} {
		if i := strings.Index(body, cut); i > 0 {
			body = body[:i]
		}
	}
	body = crudeMIME.ReplaceAllString(body, "")
	if len(body) > 4000 {
		body = body[:4000]
	}
	return recips, reporting, body
}

func stripType(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

func normReason(r string) string {
	switch r {
	case "toomanyconn", "speeding":
		return "ratelimited"
	case "mesgtoobig", "exceedlimit":
		return "emailtoolarge"
	}
	return r
}

func TestCorpusCrude(t *testing.T) {
	f, err := os.Open(filepath.Join(corpusDir, "labels.jsonl"))
	if err != nil {
		t.Skip("corpus not available:", err)
	}
	defer f.Close()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string][]corpusLabel{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l corpusLabel
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		byFile[l.File] = append(byFile[l.File], l)
	}
	var files []string
	for k := range byFile {
		files = append(files, k)
	}
	sort.Strings(files)
	type tally struct{ n, ok int }
	var withDiag, withoutDiag, all, hard tally
	perReason := map[string]*tally{}
	var misses []string
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join(corpusDir, file))
		if err != nil {
			t.Fatal(err)
		}
		recips, reporting, body := crudeExtract(string(data))
		for _, l := range byFile[file] {
			want := normReason(l.Reason)
			if want == "feedback" || want == "vacation" || want == "delivered" {
				continue // decided by the kind of report, not by rules
			}
			var in Input
			if l.Index-1 < len(recips) {
				in = recips[l.Index-1]
			} else if len(recips) > 0 {
				in = recips[0]
			}
			in.Recipient = l.Recipient
			if in.ReportingMTA == "" {
				in.ReportingMTA = reporting
			}
			if in.Action == "delivered" || in.Action == "relayed" || in.Action == "expanded" {
				in.Action = "failed"
			}
			tl := &withDiag
			if in.Diagnostic == "" {
				in.Diagnostic = body
				tl = &withoutDiag
			}
			in.Command = crudeCmd(in.Diagnostic)
			if in.Command == "" {
				in.Command = crudeCmd(body)
			}
			if l.ReplyCode != nil && !strings.Contains(in.Diagnostic, *l.ReplyCode) {
				in.ReplyCode = "" // only what the message shows
			}
			got := c.Classify(in)
			ok := string(got.Reason) == want
			hardOK := got.Hard() == l.Hard
			tl.n++
			all.n++
			hard.n++
			if hardOK {
				hard.ok++
			}
			pr := perReason[want]
			if pr == nil {
				pr = &tally{}
				perReason[want] = pr
			}
			pr.n++
			if ok {
				tl.ok++
				all.ok++
				pr.ok++
			} else {
				d := in.Diagnostic
				if len(d) > 300 {
					d = d[:300]
				}
				misses = append(misses, file+" want "+want+" got "+string(got.Reason)+" ("+got.Rule+") status="+in.Status+" cmd="+in.Command+" diag="+strings.Join(strings.Fields(d), " "))
			}
		}
	}
	pct := func(x tally) float64 { return 100 * float64(x.ok) / float64(max(x.n, 1)) }
	t.Logf("crude corpus check: reason %d/%d (%.1f%%); with Diagnostic-Code %d/%d (%.1f%%); body text only %d/%d (%.1f%%); hard %d/%d (%.1f%%)",
		all.ok, all.n, pct(all), withDiag.ok, withDiag.n, pct(withDiag), withoutDiag.ok, withoutDiag.n, pct(withoutDiag), hard.ok, hard.n, pct(hard))
	var reasons []string
	for r := range perReason {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		t.Logf("  %-16s %3d/%3d", r, perReason[r].ok, perReason[r].n)
	}
	if testing.Verbose() && os.Getenv("CORPUS_MISSES") != "" {
		for _, m := range misses {
			t.Log("miss:", m)
		}
	}
	// a floor, so that a rules change that breaks classification fails the test
	if pct(withDiag) < 85 {
		t.Errorf("reason accuracy on messages with a Diagnostic-Code fell to %.1f%%", pct(withDiag))
	}
	if pct(hard) < 85 {
		t.Errorf("hard/soft accuracy fell to %.1f%%", pct(hard))
	}
}
