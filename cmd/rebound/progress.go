package main

import (
	"fmt"
	"io"
	"time"
)

// progress draws a one-line progress indicator on a terminal. A nil *progress does nothing, so
// callers need not check whether stderr is a terminal.
type progress struct {
	w     io.Writer
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, start: time.Now()}
}

func (p *progress) update(read, stored int) {
	if p == nil || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(read) / el
	}
	fmt.Fprintf(p.w, "\r\033[Kscanning: %s read, %s new, %s/s", plural(read, "message"), thousands(stored), thousands(int(rate+0.5)))
}

func (p *progress) done() {
	if p == nil {
		return
	}
	fmt.Fprint(p.w, "\r\033[K")
}
