package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// foreignDir is the corpus of real bounces from ten other projects' test suites beside the
// checkout (../shared/corpus/foreign, see its README), labelled by failed recipient only.
var foreignDir = filepath.Join("..", "..", "..", "shared", "corpus", "foreign")

// Targets of the long-tail issue for `rebound parse` on the foreign corpus, as
// ../shared/bin/score-foreign computes them: the share of labelled recipients found, the
// records in labelled files that no label names, and the records on messages that are not
// bounces (read receipts, challenge-response, auto-replies, ordinary mail).
const (
	floorForeignRecipients = 0.97
	maxForeignExtra        = 2
)

// foreignLabel is one line of the foreign corpus's labels.jsonl.
type foreignLabel struct {
	File      string          `json:"file"`
	Recipient string          `json:"recipient"`
	Alt       json.RawMessage `json:"recipient_alt"`
	NotBounce bool            `json:"not_bounce"`
}

// alternatives returns the label's recipient and its alternatives (a string or a list), lower
// case.
func (l foreignLabel) alternatives() map[string]bool {
	out := map[string]bool{normAddr(l.Recipient): true}
	var one string
	var many []string
	if json.Unmarshal(l.Alt, &one) == nil && one != "" {
		out[normAddr(one)] = true
	} else if json.Unmarshal(l.Alt, &many) == nil {
		for _, a := range many {
			out[normAddr(a)] = true
		}
	}
	return out
}

func normAddr(a string) string { return strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>")) }

// TestForeignCorpusScore runs `rebound parse` with its default output over the foreign corpus
// and holds it to the targets: recipients found, few extra records, none on non-bounces.
func TestForeignCorpusScore(t *testing.T) {
	labelsPath := filepath.Join(foreignDir, "labels.jsonl")
	if _, err := os.Stat(labelsPath); err != nil {
		t.Skip("no ../shared foreign corpus beside the checkout")
	}
	sources, err := filepath.Glob(filepath.Join(foreignDir, "messages", "*"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("no sources in %s: %v", foreignDir, err)
	}
	got := map[string][]parsed{}
	for _, r := range parseCorpus(t, nil, sources...) {
		parts := strings.Split(filepath.ToSlash(r.File), "/")
		key := strings.Join(parts[max(0, len(parts)-2):], "/")
		got[key] = append(got[key], r)
	}
	f, err := os.Open(labelsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	labels, notBounce := map[string][]foreignLabel{}, map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l foreignLabel
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		switch {
		case l.NotBounce:
			notBounce[l.File] = true
		case l.Recipient != "":
			labels[l.File] = append(labels[l.File], l)
		}
	}
	perSource := map[string][2]int{}
	total, found, extra, fp := 0, 0, 0, 0
	for file, exp := range labels {
		mine, used := got[file], map[int]bool{}
		src := strings.Split(file, "/")[0]
		n := perSource[src]
		for _, e := range exp {
			total++
			n[0]++
			alts := e.alternatives()
			hit := -1
			for i, m := range mine {
				if !used[i] && alts[normAddr(m.Recipient)] {
					hit = i
					break
				}
			}
			if hit < 0 {
				t.Logf("missed %s %s", file, e.Recipient)
				continue
			}
			used[hit] = true
			found++
			n[1]++
		}
		perSource[src] = n
		for i, m := range mine {
			if !used[i] {
				extra++
				t.Logf("extra %s %s (%s)", file, m.Recipient, m.Reason)
			}
		}
	}
	for file := range notBounce {
		for _, m := range got[file] {
			fp++
			t.Logf("record on a non-bounce: %s %s (%s)", file, m.Recipient, m.Reason)
		}
	}
	srcs := make([]string, 0, len(perSource))
	for s := range perSource {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	for _, s := range srcs {
		t.Logf("%-14s %d/%d", s, perSource[s][1], perSource[s][0])
	}
	recall := float64(found) / float64(max(total, 1))
	t.Logf("score: recipients %.3f extra %d not_bounce_fp %d (n=%d)", recall, extra, fp, total)
	if recall < floorForeignRecipients {
		t.Errorf("recipients %.3f is below the target %.2f", recall, floorForeignRecipients)
	}
	if extra > maxForeignExtra {
		t.Errorf("%d extra records in labelled messages, want at most %d", extra, maxForeignExtra)
	}
	if fp != 0 {
		t.Errorf("%d records from messages that are not bounces", fp)
	}
}
