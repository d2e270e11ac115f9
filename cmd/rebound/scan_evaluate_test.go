package main

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/gen"
)

// TestScanEvaluatesAsItGoes checks that evaluating the policy every few stored messages, as a
// large scan does, ends in the same states as evaluating once after the last batch.
func TestScanEvaluatesAsItGoes(t *testing.T) {
	g, err := gen.Load(gen.Options{Seed: 3, Recipients: 4}, filepath.Join("..", "..", "testdata", "demo", "maildir"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	box := filepath.Join(dir, "maildir")
	if err := g.WriteMaildir(box, 0, 400); err != nil {
		t.Fatal(err)
	}
	export := func(every int) string {
		t.Helper()
		old := evaluateEvery
		evaluateEvery = every
		defer func() { evaluateEvery = old }()
		db := filepath.Join(dir, "every-"+strconv.Itoa(every)+".db")
		var out, errOut bytes.Buffer
		for _, args := range [][]string{
			{"--db", db, "scan", "--quiet", "--batch", "10", box},
			{"--db", db, "export", "--format", "jsonl", "--dry-run", "--state", "suppressed,paused,review"},
		} {
			if code := run(args, nil, &out, &errOut); code != 0 {
				t.Fatalf("rebound %v: exit %d\n%s", args, code, errOut.Bytes())
			}
		}
		return out.String()
	}
	once := export(1 << 30)
	often := export(7)
	if n := strings.Count(once, "\n"); n < 20 {
		t.Fatalf("%d addresses exported: the test mailbox should make dozens suppressed or paused", n)
	}
	if often != once {
		t.Errorf("states differ when evaluated every 7 messages:\n%s\nonce:\n%s", often, once)
	}
}
