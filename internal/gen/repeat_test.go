package gen

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/dsn"
	"github.com/reboundhq/rebound/internal/scan"
)

func loadRepeat(t *testing.T, seed uint64) *Generator {
	t.Helper()
	g, err := Load(Options{Seed: seed, Repeat: true}, demo)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestRepeatDeterministic checks that a repeated-recipient message depends only on the seed and
// its number: not on the order messages are asked for, nor on how many.
func TestRepeatDeterministic(t *testing.T) {
	a, b, c := loadRepeat(t, 1), loadRepeat(t, 1), loadRepeat(t, 2)
	late, _ := b.Message(20000) // b plans 20,001 messages before it is asked for the others
	for _, i := range []int{5000, 0, 1, 777} {
		ma, ta := a.Message(i)
		mb, tb := b.Message(i)
		if !bytes.Equal(ma, mb) || !ta.Equal(tb) {
			t.Errorf("message %d differs between two generators of seed 1", i)
		}
		if mc, _ := c.Message(i); bytes.Equal(ma, mc) {
			t.Errorf("message %d is the same for seeds 1 and 2", i)
		}
	}
	if again, _ := a.Message(20000); !bytes.Equal(late, again) {
		t.Error("message 20000 depends on the messages asked for before")
	}
}

// decoded is one decoded and classified recipient of a generated message.
type decoded struct {
	at  time.Time
	typ bounce.Type
}

// TestRepeatDistribution checks, on the 50,000 messages of the benchmarks' repeated mailbox
// (seed 1) as the decoder and the classifier read them, what the package comment promises: most
// addresses bounce once, hard bouncers once or twice, daily soft bouncers about once a day for
// weeks or months, and one address thousands of times over months; dates over about 90 days
// ending at the latest sample's, latest first.
func TestRepeatDistribution(t *testing.T) {
	const n = 50000
	g := loadRepeat(t, 1)
	cl, err := classify.Default()
	if err != nil {
		t.Fatal(err)
	}
	byAddr := map[string][]decoded{}
	var buf []byte
	var prev time.Time
	for i := range n {
		var at time.Time
		buf, at = g.AppendMessage(buf[:0], i)
		if i > 0 && at.After(prev) {
			t.Fatalf("message %d (%s) is later than message %d (%s)", i, at, i-1, prev)
		}
		prev = at
		rep, err := dsn.Decode(buf)
		if err != nil || len(rep.Recipients) == 0 {
			t.Fatalf("message %d: %v, %d recipients", i, err, len(rep.Recipients))
		}
		rc := &rep.Recipients[0]
		addr := strings.ToLower(rc.Recipient)
		byAddr[addr] = append(byAddr[addr], decoded{at, cl.Classify(scan.Input(rep, rc)).Type})
	}
	if span := g.latest.Sub(prev); span < 80*day || span > 100*day {
		t.Errorf("%d messages span %.1f days, want about 90", n, span.Hours()/24)
	}
	if first, _ := g.Message(0); !bytes.Contains(first, []byte(g.latest.Format("02 Jan 2006"))) {
		t.Errorf("message 0 is not dated on the latest sample's day, %s", g.latest.Format(time.DateOnly))
	}

	once, hard, hardTwice, daily := 0, 0, 0, 0
	top, topAddr := 0, ""
	for addr, bs := range byAddr { // bs is latest first
		if len(bs) == 1 {
			once++
		}
		if len(bs) > top {
			top, topAddr = len(bs), addr
		}
		if bs[0].typ == bounce.TypeHard {
			hard++
			switch gap := bs[0].at.Sub(bs[len(bs)-1].at); {
			case len(bs) > 2:
				t.Errorf("hard bouncer %s bounced %d times, want once or twice", addr, len(bs))
			case len(bs) == 2 && (gap < day || gap > 4*day):
				t.Errorf("hard bouncer %s bounced twice %s apart, want 1-4 days", addr, gap)
			case len(bs) == 2:
				hardTwice++
			}
		}
		days := map[string]bool{}
		for _, b := range bs {
			days[b.at.Format(time.DateOnly)] = true
		}
		// A daily soft bouncer: soft bounces on 30 days or more, not many more bounces than days
		// (unlike the heavy recipients').
		if bs[0].typ == bounce.TypeSoft && len(days) >= 30 && len(bs) <= len(days)*6/5 {
			daily++
			var gaps []time.Duration
			for k := 1; k < len(bs); k++ {
				gaps = append(gaps, bs[k-1].at.Sub(bs[k].at))
			}
			slices.Sort(gaps)
			if gaps[0] < 20*time.Hour || gaps[len(gaps)/2] < 20*time.Hour || gaps[len(gaps)/2] > 28*time.Hour {
				t.Errorf("daily soft bouncer %s: shortest gap %s, median %s, want about a day", addr, gaps[0], gaps[len(gaps)/2])
			}
		}
	}
	share := float64(once) / float64(len(byAddr))
	t.Logf("%d addresses, %.1f%% bounced once, %d hard (%d twice), %d daily soft bouncers for 30 days or more, top %s with %d",
		len(byAddr), 100*share, hard, hardTwice, daily, topAddr, top)
	if share < 0.6 || share > 0.8 {
		t.Errorf("%.1f%% of %d addresses bounced once, want 60-80%%", 100*share, len(byAddr))
	}
	if hardTwice < hard/5 || hardTwice > hard/2 {
		t.Errorf("%d of %d hard bouncers bounced twice, want about 30%%", hardTwice, hard)
	}
	if daily < 100 {
		t.Errorf("%d soft bouncers bounced about daily for 30 days or more, want at least 100", daily)
	}
	heavy := byAddr[topAddr]
	if top < 1000 || heavy[0].typ != bounce.TypeSoft || heavy[0].at.Sub(heavy[top-1].at) < 30*day {
		t.Errorf("the most frequent address %s bounced %d times (%s) over %s, want soft bounces by the thousand over months",
			topAddr, top, heavy[0].typ, heavy[0].at.Sub(heavy[top-1].at))
	}
}

// TestRepeatHeavyEverySeed checks that every seed, not only the benchmarks', gives a 50,000
// message mailbox an address with thousands of bounces.
func TestRepeatHeavyEverySeed(t *testing.T) {
	for seed := uint64(2); seed <= 6; seed++ {
		g := loadRepeat(t, seed)
		count := map[int32]int{}
		for i := range 50000 {
			count[g.plan.event(i).stream]++
		}
		if top := slices.Max(slices.Collect(maps.Values(count))); top < 1000 {
			t.Errorf("seed %d: at most %d bounces per address in 50,000 messages, want thousands", seed, top)
		}
	}
}

// TestRepeatLoadNothing checks the error when no sample has a recipient to repeat.
func TestRepeatLoadNothing(t *testing.T) {
	if _, err := Load(Options{Repeat: true}, demo+"/new/1795341600.M28P4242.mx.example.net"); err == nil ||
		!strings.Contains(err.Error(), "classifier") {
		t.Errorf("got %v, want an error saying no sample has a recipient", err)
	}
}
