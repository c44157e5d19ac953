package mix

// pcmQueue is a FIFO of mono samples: the decoded audio of one member waiting for the mixer. It
// is a flat slice read from the front and written at the back; when the back reaches the end the
// contents move down, which costs a copy of what is queued (usually 20-40 ms) every few hundred
// milliseconds.
type pcmQueue struct {
	buf  []float32
	r, w int
}

func newPCMQueue(capacity int) pcmQueue { return pcmQueue{buf: make([]float32, capacity)} }

func (q *pcmQueue) len() int { return q.w - q.r }

// data returns the queued samples, oldest first. They may be modified in place.
func (q *pcmQueue) data() []float32 { return q.buf[q.r:q.w] }

// grow appends n samples (n at most half the capacity) and returns them for the caller to write.
// When the queue is full it drops the oldest samples, with a crossfade, to make room and returns
// how many.
func (q *pcmQueue) grow(n int) (tail []float32, dropped int) {
	if q.w+n > len(q.buf) {
		if over := q.len() + n - len(q.buf); over > 0 {
			dropped = q.skip(over)
			if rest := over - dropped; rest > 0 {
				q.r += rest
				dropped += rest
			}
		}
		copy(q.buf, q.buf[q.r:q.w])
		q.w -= q.r
		q.r = 0
	}
	tail = q.buf[q.w : q.w+n]
	q.w += n
	return tail, dropped
}

// consume removes the oldest n samples.
func (q *pcmQueue) consume(n int) {
	q.r += n
	if q.r == q.w {
		q.r, q.w = 0, 0
	}
}

// skip removes n samples at the front and splices the join with a crossfade, so the sample played
// next still follows the one played last. It needs xfade samples beyond the n removed and removes
// fewer if they are not there; it returns how many it removed.
func (q *pcmQueue) skip(n int) int {
	d := q.data()
	n = min(n, len(d)-xfade)
	if n <= 0 {
		return 0
	}
	for i := 0; i < xfade; i++ {
		d[n+i] = d[i]*(1-xfIn[i]) + d[n+i]*xfIn[i]
	}
	q.consume(n)
	return n
}

// stretch inserts n samples at the front by playing the first n twice, splicing the repeat back
// into the original with a crossfade. It needs n+xfade samples queued and returns how many it
// inserted (0 if it could not).
func (q *pcmQueue) stretch(n int) int {
	if n <= 0 || q.len() < n+xfade {
		return 0
	}
	if q.r < n { // make room in front
		shift := n - q.r
		if q.w+shift > len(q.buf) {
			return 0
		}
		copy(q.buf[q.r+shift:q.w+shift], q.buf[q.r:q.w])
		q.r += shift
		q.w += shift
	}
	d := q.data()
	copy(q.buf[q.r-n:q.r], d[:n])
	// After the copy of d[:n] comes d[n:] in the original; blend from that into d[0:].
	for i := 0; i < xfade; i++ {
		d[i] = d[n+i]*(1-xfIn[i]) + d[i]*xfIn[i]
	}
	q.r -= n
	return n
}

// quiet reports whether the first n samples queued all stay below limit in magnitude.
func (q *pcmQueue) quiet(n int, limit float32) bool {
	for _, v := range q.data()[:min(n, q.len())] {
		if v > limit || v < -limit {
			return false
		}
	}
	return true
}

func (q *pcmQueue) reset() { q.r, q.w = 0, 0 }
