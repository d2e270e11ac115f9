package mailbox

import (
	"math/bits"
	"sync"
)

// The buffers that maildir files are read into whole (readWhole) are recycled once the caller
// is done with a message (Release): a scan reads about 5 KB per message, a third of all it
// allocates, and every fresh buffer is zeroed, faulted in and later collected. Buffers come in
// power-of-two sizes from 4 KB to 256 KB, one pool per size, so that a small message never
// holds a large buffer; larger files get a buffer of their own, as before.
const (
	minPooledShift = 12 // 4 KB
	maxPooledShift = 18 // 256 KB
)

var bufferPools [maxPooledShift - minPooledShift + 1]sync.Pool

// poolIndex returns the pool of buffers that hold n bytes, or -1 when n is too large.
func poolIndex(n int) int {
	shift := max(bits.Len(uint(n-1)), minPooledShift)
	if n <= 0 || shift > maxPooledShift {
		return -1
	}
	return shift - minPooledShift
}

// getBuffer returns a buffer of length n and whether it is recycled (Release takes it back).
// Its bytes are not zeroed: the caller overwrites those it uses.
func getBuffer(n int) (buf []byte, pooled bool) {
	i := poolIndex(n)
	if i < 0 {
		return make([]byte, n), false
	}
	if p, ok := bufferPools[i].Get().(*[]byte); ok {
		return (*p)[:n], true
	}
	return make([]byte, n, 1<<(i+minPooledShift)), true
}

// Release gives back the buffer of m.Data for another message to be read into, when Walk read
// m into a recycled one, and sets m.Data to nil. Call it only when nothing refers to m.Data any
// more (no slice of it is kept anywhere); without Release the buffer is garbage collected.
func Release(m *Message) {
	if m.pooled && m.Data != nil {
		buf := m.Data[:0]
		if i := poolIndex(cap(buf)); i >= 0 && cap(buf) == 1<<(i+minPooledShift) {
			bufferPools[i].Put(&buf)
		}
	}
	m.Data, m.pooled = nil, false
}
