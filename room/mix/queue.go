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

func (q *pcmQueue) reset() { q.r, q.w = 0, 0 }
