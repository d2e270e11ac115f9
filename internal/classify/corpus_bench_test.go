package classify_test

// The cost of classification on real bounces: the messages of the shared corpora (../shared,
// skipped when missing) decoded once, then every recipient classified. The time is reported
// per message, next to the decoding time per message, so that the share of classification in
// what parse does for a message can be read off (docs/performance.md, "Classification").

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/dsn"
)

// corpusDirs are the real bounces: the Sisimai set and the foreign one.
var corpusDirs = []string{
	filepath.Join("..", "..", "..", "shared", "corpus", "sisimai", "maildir", "bsd"),
	filepath.Join("..", "..", "..", "shared", "corpus", "foreign", "messages"),
}

// corpus is every message of corpusDirs and the classifier inputs its recipients give.
type corpus struct {
	msgs   [][]byte
	inputs []classify.Input
}

var loadCorpus = sync.OnceValues(func() (*corpus, error) {
	c := &corpus{}
	for _, dir := range corpusDirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			c.msgs = append(c.msgs, data)
			rep, err := dsn.Decode(data)
			if err != nil || rep == nil {
				return nil
			}
			for i := range rep.Recipients {
				c.inputs = append(c.inputs, input(rep, &rep.Recipients[i]))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return c, nil
})

// input is what scan gives the classifier for one recipient.
func input(rep *dsn.Report, rc *dsn.Recipient) classify.Input {
	return classify.Input{Recipient: rc.Recipient, Status: rc.Status, ReplyCode: rc.ReplyCode,
		Diagnostic: rc.Diagnostic, DiagnosticType: rc.DiagnosticType, Action: rc.Action,
		RemoteMTA: rc.RemoteMTA, ReportingMTA: rep.ReportingMTA, Command: rc.Command, Hint: rc.Hint,
		Kind: string(rep.Kind), FeedbackType: rep.FeedbackType, Format: rep.Format}
}

func needCorpus(b *testing.B) *corpus {
	b.Helper()
	for _, dir := range corpusDirs {
		if _, err := os.Stat(dir); err != nil {
			b.Skipf("no shared corpus: %v", err)
		}
	}
	c, err := loadCorpus()
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkCorpusClassify classifies every recipient of the corpora; ns/msg is the time per
// message (all its recipients).
func BenchmarkCorpusClassify(b *testing.B) {
	c := needCorpus(b)
	cl, err := classify.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, in := range c.inputs {
			cl.Classify(in)
		}
		n += len(c.msgs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/msg")
}

// BenchmarkCorpusDecode decodes every message of the corpora: what parse does for a message
// besides classifying it, reading the file and writing the record.
func BenchmarkCorpusDecode(b *testing.B) {
	c := needCorpus(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, m := range c.msgs {
			_, _ = dsn.Decode(m)
		}
		n += len(c.msgs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/msg")
}
