package scan

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/attrib"
	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/cputime"
	"github.com/reboundhq/rebound/internal/mailbox"
)

// benchFixtures are the project's composed messages: the demo maildir and, when present, the
// decoder fixtures.
var benchFixtures = []string{
	filepath.Join("..", "..", "testdata", "demo", "maildir"),
	filepath.Join("..", "..", "testdata", "fixtures"),
}

// loadFixtures reads every fixture message once per process.
var loadFixtures = sync.OnceValues(func() ([]mailbox.Message, error) {
	var paths []string
	for _, p := range benchFixtures {
		if _, err := os.Stat(p); err == nil {
			paths = append(paths, p)
		}
	}
	var msgs []mailbox.Message
	err := mailbox.Walk(paths, mailbox.Options{}, func(m mailbox.Message) error {
		if m.Err == nil && m.Key != "" && !strings.HasSuffix(m.Path, ".json") {
			msgs = append(msgs, m)
		}
		return nil
	})
	return msgs, err
})

func benchOptions(b *testing.B) *Options {
	cl, err := classify.Default()
	if err != nil {
		b.Fatal(err)
	}
	return &Options{Classifier: cl, Attributor: attrib.DefaultConfig()}
}

// BenchmarkProcess decodes and classifies every fixture message, one after the other on one
// goroutine: the work of one worker per message.
func BenchmarkProcess(b *testing.B) {
	msgs, err := loadFixtures()
	if err != nil {
		b.Fatal(err)
	}
	if len(msgs) == 0 {
		b.Skip("no fixtures")
	}
	opt := benchOptions(b)
	var bytes int64
	for _, m := range msgs {
		bytes += int64(len(m.Data))
	}
	b.SetBytes(bytes / int64(len(msgs)))
	b.ReportAllocs()
	n := 0
	cpu0 := cputime.Process()
	for b.Loop() {
		it := Process(msgs[n%len(msgs)], opt)
		if it.Outcome == OutcomeUnreadable {
			b.Fatal(it.Err)
		}
		n++
	}
	reportRate(b, n, cpu0)
}

// BenchmarkRun runs the fixture messages through the worker pool (all cores), as scan and
// parse do, without a database.
func BenchmarkRun(b *testing.B) {
	msgs, err := loadFixtures()
	if err != nil {
		b.Fatal(err)
	}
	if len(msgs) == 0 {
		b.Skip("no fixtures")
	}
	opt := benchOptions(b)
	b.ReportAllocs()
	const per = 10000 // messages per iteration
	n := 0
	cpu0 := cputime.Process()
	for b.Loop() {
		src := func(yield func(mailbox.Message) error) error {
			for i := range per {
				if err := yield(msgs[i%len(msgs)]); err != nil {
					return err
				}
			}
			return nil
		}
		err := Run(src, opt, func(*Item) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		n += per
	}
	reportRate(b, n, cpu0)
}

// reportRate reports messages per wall second and per CPU second since cpu0.
func reportRate(b *testing.B, msgs int, cpu0 time.Duration) {
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		b.ReportMetric(float64(msgs)/cpu.Seconds(), "msgs/cpu-s")
	}
}

// largeMessage returns a DSN of about size bytes in one of three shapes: the returned message
// attached whole with a long text body ("original"), a very long human-readable bounce text
// ("text"), and many MIME parts ("parts"), the last base64-encoded.
func largeMessage(shape string, size int) []byte {
	var b strings.Builder
	b.Grow(size + 4096)
	b.WriteString("From: MAILER-DAEMON@mx.example.net\nTo: bounces@shop.example\n" +
		"Subject: Undelivered Mail Returned to Sender\nDate: Tue, 03 Nov 2026 09:00:00 +0000\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n" +
		"--B\nContent-Type: text/plain\n\n")
	line := "The quick brown fox could not deliver to user@example.org: 550 5.1.1 mailbox unavailable\n"
	if shape == "text" {
		for b.Len() < size {
			b.WriteString(line)
		}
	} else {
		b.WriteString("Delivery to the following recipient failed.\n")
	}
	b.WriteString("\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" +
		"Final-Recipient: rfc822; user@example.org\nAction: failed\nStatus: 5.1.1\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n")
	switch shape {
	case "original":
		b.WriteString("--B\nContent-Type: message/rfc822\n\nFrom: news@shop.example\nTo: user@example.org\n" +
			"Subject: offers\nMessage-ID: <1@shop.example>\n\n")
		for b.Len() < size {
			b.WriteString(line)
		}
		b.WriteString("\n")
	case "parts":
		b.WriteString("--B\nContent-Type: multipart/mixed; boundary=\"C\"\n\n")
		for i := 0; b.Len() < size; i++ {
			b.WriteString("--C\nContent-Type: text/plain\n\n")
			b.WriteString(line)
			if i == 900 { // past this, one big base64 part fills the message
				b.WriteString("--C\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n")
				for b.Len() < size {
					b.WriteString("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\n")
				}
			}
		}
		b.WriteString("--C--\n")
	}
	b.WriteString("--B--\n")
	return []byte(b.String())
}

// BenchmarkProcessLarge decodes and classifies single large messages of 1, 10 and 50 MB: the
// time per byte must not grow with the size (no quadratic work).
func BenchmarkProcessLarge(b *testing.B) {
	opt := benchOptions(b)
	for _, shape := range []string{"original", "text", "parts"} {
		for _, mb := range []int{1, 10, 50} {
			data := largeMessage(shape, mb<<20)
			b.Run(shape+"/"+strconv.Itoa(mb)+"MB", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				m := mailbox.Message{Key: "large", Position: "large", Data: data}
				for b.Loop() {
					if it := Process(m, opt); it.Outcome != OutcomeBounce || len(it.Events) != 1 {
						b.Fatalf("outcome %s with %d records (%v)", it.Outcome, len(it.Events), it.Err)
					}
				}
			})
		}
	}
}
