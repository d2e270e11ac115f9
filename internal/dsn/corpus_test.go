package dsn

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// corpusDir is the shared development corpus, relative to this package's directory.
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "sisimai")

type corpusLabel struct {
	File      string  `json:"file"`
	Index     int     `json:"index"`
	Recipient string  `json:"recipient"`
	Status    *string `json:"status"`
	ReplyCode *string `json:"reply_code"`
	Reason    string  `json:"reason"`
}

func needCorpus(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(corpusDir, "labels.jsonl")); err != nil {
		t.Skip("shared corpus not present")
	}
}

func readLabels(t testing.TB) map[string][]corpusLabel {
	f, err := os.Open(filepath.Join(corpusDir, "labels.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]corpusLabel{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l corpusLabel
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out[l.File] = append(out[l.File], l)
	}
	return out
}

func decodeFile(t testing.TB, path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Decode(data)
}

// TestCorpus decodes the labelled corpus and compares recipients and status codes with the
// labels. Run with -v to see every miss.
func TestCorpus(t *testing.T) {
	needCorpus(t)
	labels := readLabels(t)
	files := make([]string, 0, len(labels))
	for f := range labels {
		files = append(files, f)
	}
	sort.Strings(files)
	var total, found, statusTotal, statusOK int
	family := map[string][2]int{}
	for _, file := range files {
		r, err := decodeFile(t, filepath.Join(corpusDir, file))
		var got []Recipient
		if err == nil {
			got = r.Recipients
		}
		fam := familyOf(file)
		for _, l := range labels[file] {
			total++
			fs := family[fam]
			fs[0]++
			rc := matchRecipient(got, l.Recipient)
			if l.Status != nil {
				statusTotal++
			}
			if rc == nil {
				logMiss(t, "%s#%d: recipient %s not found (err %v, kind %s, format %s, got %s)", filepath.Base(file), l.Index,
					l.Recipient, err, kindOf(r), formatOf(r), recipientList(got))
				fs[1]++
				family[fam] = fs
				continue
			}
			found++
			if l.Status != nil {
				if rc.Status == *l.Status {
					statusOK++
				} else {
					logMiss(t, "%s#%d: status %q want %q (format %s, diag %.100q)", filepath.Base(file), l.Index, rc.Status, *l.Status, formatOf(r), rc.Diagnostic)
					fs[1]++
				}
			}
			family[fam] = fs
		}
	}
	recall := float64(found) / float64(total)
	status := float64(statusOK) / float64(statusTotal)
	t.Logf("corpus: recipients %d/%d = %.3f, status %d/%d = %.3f", found, total, recall, statusOK, statusTotal, status)
	if testing.Verbose() {
		for _, fam := range sortedKeys(family) {
			t.Logf("  %-22s labels %3d, misses (recipient or status) %d", fam, family[fam][0], family[fam][1])
		}
	}
	if recall < minRecipientRecall || status < minStatusAccuracy {
		t.Errorf("corpus regression: recipients %.3f (min %.3f), status %.3f (min %.3f)", recall, minRecipientRecall, status, minStatusAccuracy)
	}
}

// Regression floors for TestCorpus.
const (
	minRecipientRecall = 0.985
	minStatusAccuracy  = 0.975
)

func logMiss(t *testing.T, format string, args ...any) {
	if testing.Verbose() {
		t.Logf("miss: "+format, args...)
	}
}

func familyOf(file string) string {
	b := strings.TrimSuffix(filepath.Base(file), ".eml")
	if i := strings.LastIndexByte(b, '-'); i > 0 {
		return b[:i]
	}
	return b
}

func sortedKeys(m map[string][2]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func kindOf(r *Report) Kind {
	if r == nil {
		return ""
	}
	return r.Kind
}

func formatOf(r *Report) string {
	if r == nil {
		return ""
	}
	return r.Format
}

func recipientList(rs []Recipient) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Recipient)
	}
	return fmt.Sprint(s)
}

// TestCorpusLineEndings checks that the LF, CRLF and CR copies of each message decode alike.
func TestCorpusLineEndings(t *testing.T) {
	needCorpus(t)
	names, err := filepath.Glob(filepath.Join(corpusDir, "maildir", "bsd", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bsd := range names {
		want, werr := decodeFile(t, bsd)
		for _, dir := range []string{"dos", "mac"} {
			other := filepath.Join(corpusDir, "maildir", dir, filepath.Base(bsd))
			if _, err := os.Stat(other); err != nil {
				continue
			}
			got, gerr := decodeFile(t, other)
			if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(want, got) {
				t.Errorf("%s: %s copy decodes differently", filepath.Base(bsd), dir)
			}
		}
	}
}

// TestCorpusNotBounce checks that ordinary messages give no recipient.
func TestCorpusNotBounce(t *testing.T) {
	needCorpus(t)
	names, _ := filepath.Glob(filepath.Join(corpusDir, "maildir", "not", "*"))
	for _, name := range names {
		r, err := decodeFile(t, name)
		if err == nil && len(r.Recipients) > 0 {
			t.Errorf("%s: not a bounce, got kind %s format %s recipients %s", filepath.Base(name), r.Kind, r.Format, recipientList(r.Recipients))
		}
	}
}

// TestCorpusBroken decodes broken messages and whole mailboxes: no panic. A hang ends in go
// test's timeout; a slow message is logged (wall-clock limits are not asserted: the machines are
// shared).
func TestCorpusBroken(t *testing.T) {
	needCorpus(t)
	var names []string
	for _, pat := range []string{"maildir/err/*", "mailbox/*"} {
		n, _ := filepath.Glob(filepath.Join(corpusDir, pat))
		names = append(names, n...)
	}
	if len(names) == 0 {
		t.Skip("no broken messages in the corpus")
	}
	for _, name := range names {
		start := time.Now()
		r, err := decodeFile(t, name)
		if took := time.Since(start); took > 2*time.Second { // a hang ends in go test's timeout
			t.Logf("%s: took %v", name, took)
		}
		if err == nil {
			checkReport(t, name, r)
		}
	}
}

// checkReport checks invariants every report must satisfy.
func checkReport(t testing.TB, name string, r *Report) {
	t.Helper()
	if r == nil {
		t.Fatalf("%s: nil report without error", name)
	}
	for i, rc := range r.Recipients {
		if rc.Recipient == "" {
			t.Errorf("%s: recipient %d has no address", name, i)
		}
		if !utf8.ValidString(rc.Recipient) || !utf8.ValidString(rc.Diagnostic) {
			t.Errorf("%s: recipient %d has invalid UTF-8", name, i)
		}
	}
	if !utf8.ValidString(r.Subject) || !utf8.ValidString(r.From) || !utf8.ValidString(r.Original.Subject) {
		t.Errorf("%s: invalid UTF-8 in the report", name)
	}
	if r.Kind == KindNotBounce && len(r.Recipients) > 0 {
		t.Errorf("%s: not a bounce but has recipients", name)
	}
}

// BenchmarkDecodeCorpus decodes every message of the shared corpus in turn.
func BenchmarkDecodeCorpus(b *testing.B) {
	needCorpus(b)
	names, _ := filepath.Glob(filepath.Join(corpusDir, "maildir", "bsd", "*.eml"))
	var msgs [][]byte
	size := 0
	for _, n := range names {
		data, err := os.ReadFile(n)
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
		_, _ = Decode(msgs[i%len(msgs)])
	}
}

// foreignDir is the corpus of real bounces from other projects' test suites, labelled by failed
// recipient (../shared/corpus/foreign, see its README).
var foreignDir = filepath.Join("..", "..", "..", "shared", "corpus", "foreign")

// minForeignRecall is the decoder's floor on the foreign corpus: the share of labelled failed
// recipients that Decode reports as recipients of a bounce (the end-to-end targets are held by
// cmd/rebound's TestForeignCorpusScore).
const minForeignRecall = 0.97

// TestForeignCorpus decodes the foreign corpus: labelled recipients must be found in bounces,
// and messages labelled as not bounces (read receipts, challenge-response, auto-replies,
// ordinary mail) must not be bounces.
func TestForeignCorpus(t *testing.T) {
	f, err := os.Open(filepath.Join(foreignDir, "labels.jsonl"))
	if err != nil {
		t.Skip("foreign corpus not present")
	}
	defer f.Close()
	want, notBounce := map[string][]map[string]any{}, map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		file, _ := l["file"].(string)
		if nb, _ := l["not_bounce"].(bool); nb {
			notBounce[file] = true
		} else {
			want[file] = append(want[file], l)
		}
	}
	total, found := 0, 0
	for file, labels := range want {
		r, err := decodeFile(t, filepath.Join(foreignDir, "messages", file))
		for _, l := range labels {
			total++
			alts := []string{l["recipient"].(string)}
			switch a := l["recipient_alt"].(type) {
			case string:
				alts = append(alts, a)
			case []any:
				for _, x := range a {
					s, _ := x.(string)
					alts = append(alts, s)
				}
			}
			hit := false
			for _, a := range alts {
				hit = hit || err == nil && r.Kind == KindBounce && matchRecipient(r.Recipients, a) != nil
			}
			if hit {
				found++
			} else {
				logMiss(t, "%s: %s not found (kind %s, format %s, got %s)", file, alts[0], kindOf(r), formatOf(r), recipientList(recipientsOf(r)))
			}
		}
	}
	for file := range notBounce {
		r, err := decodeFile(t, filepath.Join(foreignDir, "messages", file))
		if err == nil && (r.Kind == KindBounce || r.Kind == KindFeedback) && len(r.Recipients) > 0 {
			t.Errorf("%s: not a bounce, got %s %s %s", file, r.Kind, r.Format, recipientList(r.Recipients))
		}
	}
	recall := float64(found) / float64(max(total, 1))
	t.Logf("foreign corpus: recipients %d/%d = %.3f", found, total, recall)
	if recall < minForeignRecall {
		t.Errorf("foreign corpus recall %.3f, below %.2f", recall, minForeignRecall)
	}
}

func recipientsOf(r *Report) []Recipient {
	if r == nil {
		return nil
	}
	return r.Recipients
}
