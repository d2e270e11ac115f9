package gen

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/classify"
	"github.com/reboundhq/rebound/internal/dsn"
	"github.com/reboundhq/rebound/internal/scan"
)

// DefaultPerDay is the number of bounces a day of a repeated-recipient mailbox unless
// Options.PerDay says otherwise: 50,000 messages cover 90 days, as in the distinct mode.
const DefaultPerDay = 556

const day = 24 * time.Hour

// habit is how the recipients of one class of stream bounce over time.
type habit int

const (
	habitOnce     habit = iota // one bounce: complaints and unclassified messages
	habitHard                  // one bounce, or two a few days apart; then the sender stops
	habitBlock                 // one bounce, sometimes two or three within a week
	habitSoft                  // about one bounce a day, for a day or for months
	habitVacation              // an auto-reply about once a day for up to ten days
	habitHeavy                 // tens of bounces a day for months
)

// streamClass is one kind of recipient of the repeated mode: how it bounces, how many new
// ones appear a day (at DefaultPerDay) and which samples it is made from.
type streamClass struct {
	habit   habit
	perDay  float64       // new recipients a day, at DefaultPerDay; heavy: recipients at once
	longest time.Duration // the longest time from a recipient's first bounce to its last
	samples []int
	nextEnd time.Time // walking back in time: when the next recipient's last bounce is
}

// The classes of the repeated mode. At DefaultPerDay they make about 25% of the messages hard
// bounces, 15% blocks, 3% complaints and others, 7% auto-replies, 40% daily soft bounces and
// 10% the heavy recipients' (see the package comment for what that gives).
var repeatClasses = []streamClass{
	{habit: habitHard, perDay: 107, longest: 4 * day},
	{habit: habitBlock, perDay: 64, longest: 14 * day},
	{habit: habitOnce, perDay: 16.5},
	{habit: habitVacation, perDay: 7, longest: 12 * day},
	{habit: habitSoft, perDay: 48, longest: softLongest + day},
	{habit: habitHeavy, perDay: 2, longest: heavyLongest},
}

const (
	softShortest = 12 * time.Hour // the scale of the Pareto distribution of soft durations
	softAlpha    = 0.9            // its shape: P(duration > d) = (12h / d)^0.9
	softLongest  = 300 * day
	softSkip     = 1.0 / 7 // the chance that a daily soft bouncer misses a day

	heavyShortest = 60 * day // heavy recipients bounce for 60 to 360 days (log-uniform)
	heavyLongest  = 360 * day
	heavyLeast    = 15.0 // at 15 to 50 bounces a day (log-uniform)
	heavyMost     = 50.0
)

// event is one message of a repeated-recipient mailbox.
type event struct {
	at     time.Time
	stream int32 // the recipient: its address is made from this number
	sample int32
}

// stream is one recipient of the repeated mode: the times of its bounces not yet handed out,
// latest first.
type stream struct {
	id     int32
	sample int32
	times  []time.Time
}

// streamHeap orders streams by their next bounce, latest first.
type streamHeap []*stream

func (h streamHeap) Len() int           { return len(h) }
func (h streamHeap) Less(i, j int) bool { return h[i].times[0].After(h[j].times[0]) }
func (h streamHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *streamHeap) Push(x any)        { *h = append(*h, x.(*stream)) }
func (h *streamHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}

// planner lays out a repeated-recipient mailbox backwards in time from the latest sample date:
// events[0] is the latest bounce, events[i] the (i+1)-th latest. Every class starts recipients
// at random (a Poisson process walked backwards, by the time of each recipient's last bounce),
// and the planner hands out the latest pending bounce once no recipient still to start can have
// a later one. So message i depends only on the samples, the seed and i, never on the size of
// the mailbox asked for.
type planner struct {
	mu      sync.Mutex
	rng     *rand.Rand
	latest  time.Time
	scale   float64 // PerDay / DefaultPerDay
	classes []streamClass
	active  streamHeap
	streams int32
	events  []event
}

// newPlanner returns the planner of g's repeated mode, or nil when no sample could be
// classified.
func newPlanner(g *Generator) *planner {
	cl, err := classify.Default()
	if err != nil {
		return nil
	}
	byType := map[bounce.Type][]int{}
	for i, s := range g.samples {
		rep, err := dsn.Decode(s.data)
		if err != nil || len(rep.Recipients) == 0 {
			continue
		}
		t := cl.Classify(scan.Input(rep, &rep.Recipients[0])).Type
		byType[t] = append(byType[t], i)
	}
	perDay := g.opt.PerDay
	if perDay <= 0 {
		perDay = DefaultPerDay
	}
	p := &planner{
		rng:    rand.New(rand.NewPCG(g.opt.Seed, 0x5e9ea7)),
		latest: g.latest,
		scale:  float64(perDay) / DefaultPerDay,
	}
	for _, c := range repeatClasses {
		switch c.habit {
		case habitHard:
			c.samples = byType[bounce.TypeHard]
		case habitBlock:
			c.samples = byType[bounce.TypeBlock]
		case habitOnce:
			c.samples = append(append(append([]int(nil), byType[bounce.TypeComplaint]...),
				byType[bounce.TypeUnknown]...), byType[bounce.TypeDelivered]...)
		case habitVacation:
			c.samples = byType[bounce.TypeAutoReply]
		case habitSoft:
			c.samples = byType[bounce.TypeSoft]
		case habitHeavy: // a soft bouncer if there is one, else any recipient
			c.samples = byType[bounce.TypeSoft]
			for _, t := range []bounce.Type{bounce.TypeBlock, bounce.TypeHard} {
				if len(c.samples) == 0 {
					c.samples = byType[t]
				}
			}
		}
		if len(c.samples) == 0 {
			continue
		}
		c.nextEnd = p.latest.Add(c.longest)
		if c.habit == habitHeavy {
			// Heavy recipients come one after the other in a few slots, so that every day has
			// some: a slot starts its next recipient when the last one stops.
			for range max(1, int(math.Round(c.perDay*p.scale))) {
				c.nextEnd = p.latest.Add(time.Duration(p.rng.Float64() * float64(heavyShortest)))
				p.classes = append(p.classes, c)
			}
			continue
		}
		p.classes = append(p.classes, c)
	}
	if len(p.classes) == 0 {
		return nil
	}
	return p
}

// event returns event i, planning as far as needed.
func (p *planner) event(i int) event {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.events) <= i {
		p.next()
	}
	return p.events[i]
}

// next plans the next (earlier) event.
func (p *planner) next() {
	for {
		c := p.latestClass()
		if len(p.active) > 0 && !c.nextEnd.After(p.active[0].times[0]) {
			s := p.active[0]
			p.events = append(p.events, event{at: s.times[0], stream: s.id, sample: s.sample})
			if s.times = s.times[1:]; len(s.times) == 0 {
				heap.Pop(&p.active)
			} else {
				heap.Fix(&p.active, 0)
			}
			return
		}
		p.start(c)
	}
}

// latestClass returns the class whose next recipient (walking back) stops bouncing last.
func (p *planner) latestClass() *streamClass {
	c := &p.classes[0]
	for i := range p.classes[1:] {
		if p.classes[i+1].nextEnd.After(c.nextEnd) {
			c = &p.classes[i+1]
		}
	}
	return c
}

// start adds the recipient of class c whose last bounce is at c.nextEnd, and moves c.nextEnd to
// the one before.
func (p *planner) start(c *streamClass) {
	r := p.rng
	end := c.nextEnd
	var times []time.Time
	add := func(t time.Time) {
		if !t.After(p.latest) {
			times = append(times, t.Truncate(time.Second))
		}
	}
	// earlier returns up to 2d before: a recipient's bounces come at about the same hour. Never
	// later, so that no bounce of a recipient comes after its c.nextEnd.
	earlier := func(d time.Duration) time.Duration { return -time.Duration(2 * r.Float64() * float64(d)) }
	switch c.habit {
	case habitOnce:
		add(end)
	case habitHard: // 30% bounce a second time, 1-4 days after the first, before the sender stops
		add(end)
		if r.Float64() < 0.3 {
			add(end.Add(-day - time.Duration(r.Float64()*float64(3*day))))
		}
	case habitBlock: // 20% bounce two or three times, 1-7 days apart
		add(end)
		if r.Float64() < 0.2 {
			for t, k := end, 1+r.IntN(2); k > 0; k-- {
				t = t.Add(-day - time.Duration(r.Float64()*float64(6*day)))
				add(t)
			}
		}
	case habitVacation: // 1-10 replies, about a day apart
		for k, n := 0, 1+r.IntN(10); k < n; k++ {
			add(end.Add(-time.Duration(k)*day + earlier(3*time.Hour)))
		}
	case habitSoft: // about once a day at the same hour (missing a day in seven) for a Pareto duration
		d := time.Duration(float64(softShortest) * math.Pow(1-r.Float64(), -1/softAlpha))
		d = min(d, softLongest)
		for k := 0; time.Duration(k)*day <= d; k++ {
			if k == 0 || r.Float64() >= softSkip {
				add(end.Add(-time.Duration(k)*day + earlier(2*time.Hour)))
			}
		}
	case habitHeavy: // at random times, rate bounces a day, for d
		d := logUniform(r, float64(heavyShortest), float64(heavyLongest))
		rate := logUniform(r, heavyLeast, heavyMost) / float64(day)
		start := end.Add(-time.Duration(d))
		for t := end; t.After(start); t = t.Add(-time.Duration(r.ExpFloat64() / rate)) {
			add(t)
		}
		c.nextEnd = start
	}
	if c.habit != habitHeavy {
		c.nextEnd = end.Add(-time.Duration(r.ExpFloat64() / (c.perDay * p.scale) * float64(day)))
	}
	// A bounce may come before the one of the previous day (earlier): hand them out latest first.
	sortTimesDesc(times)
	if len(times) == 0 {
		return
	}
	p.streams++
	heap.Push(&p.active, &stream{id: p.streams, sample: int32(c.samples[r.IntN(len(c.samples))]), times: times})
}

func logUniform(r *rand.Rand, lo, hi float64) float64 {
	return lo * math.Exp(r.Float64()*math.Log(hi/lo))
}

func sortTimesDesc(ts []time.Time) {
	for i := 1; i < len(ts); i++ { // insertion sort: the times are nearly in order already
		for j := i; j > 0 && ts[j].After(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}
