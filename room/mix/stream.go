package mix

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pion/opus"
)

// Jitter buffer and playout tuning, in samples at 48 kHz unless noted.
const (
	// window is how many sequence numbers ahead of the next packet to decode are buffered. A packet
	// further ahead, or three in a row further behind, means the sender jumped (restart, new
	// source): the stream resyncs to it.
	window = 64
	// minTarget is the delay the stream aims for when the network is calm: one 20 ms frame being
	// played plus 20 ms of slack for jitter. Each underrun raises it by a frame up to maxTarget; ten
	// calm seconds lower it again.
	minTarget = 2 * FrameSamples
	maxTarget = 6 * FrameSamples
	// maxDelay is the most audio the stream keeps queued after a pull: beyond it, it cuts back to
	// the target at once (a burst after a network stall, or the mixer not pulling).
	maxDelay = 10 * FrameSamples
	// maxGap bounds the concealment inserted for one gap in the sequence; past 60 ms it is silence.
	maxGap = 10 * FrameSamples
	// adaptPulls is the window, in pulls (2 s), over which the stream looks at how much slack it
	// kept; calmWindows is how many windows without underrun lower the target by a frame.
	adaptPulls  = 100
	calmWindows = 5
	// stretchMin and stretchMax bound what the stream inserts, once per window, when its slack has
	// run low without an underrun (a sender whose clock is slower than ours): it tops up deficits
	// of 5 ms or more, 10 ms at a time, so up to 0.5% of drift.
	stretchMin = 240
	stretchMax = 480
	// quietLevel is the peak (-40 dBFS) below which audio is quiet enough to repeat or cut a few
	// milliseconds of unheard; trims that find no quiet moment within a window happen anyway.
	quietLevel = 0.01
	// maxPayload bounds one packet; browsers send a few hundred bytes.
	maxPayload = 8192
	// queueCap is the PCM queue's capacity (~500 ms): it only fills if Pull stops being called.
	queueCap = 24576
)

// errDecodePanic stands for a panic inside the decoder, which is counted as a decode error.
var errDecodePanic = errors.New("mix: opus decoder panicked")

// StreamStats counts what happened to one member's audio since NewStream. Reset does not clear it.
type StreamStats struct {
	// Packets is every call to Push.
	Packets uint64
	// Lost is packets never received by the time they were due to play (sequence gaps).
	Lost uint64
	// Concealed is the samples (per channel, 48 kHz: 960 = 20 ms) played in place of audio that
	// was due: the duration of each gap of lost packets and of each undecodable packet, and the
	// time an underrun lasted (at most 200 ms each). It is counted when the gap or underrun ends.
	Concealed uint64
	// DecodeErrors is payloads the decoder rejected or panicked on; each is concealed like a loss.
	DecodeErrors uint64
	// Dropped is packets thrown away undecoded: not Opus (bad table of contents), too large, too
	// late (their turn had passed, which includes duplicates of packets already played), copies
	// of a packet already buffered, or flushed by a resync.
	Dropped uint64
	// Underruns is how often the buffer ran dry while the member was talking and the audio then
	// came late. Running dry because packets were lost is counted in Lost, not here.
	Underruns uint64
	// DTX is empty payloads: the sender's silence, played as silence, not concealed.
	DTX uint64
	// Skipped is samples discarded to bring the delay back down to the target.
	Skipped uint64
	// Stretched is samples inserted (by repeating quiet audio) to keep slack when the sender's
	// clock runs slow.
	Stretched uint64
	// Resyncs is how often the sequence numbers jumped so far that the stream started over.
	Resyncs uint64
	// Delay is the audio queued for playing now; Target is the delay the stream is aiming for.
	Delay, Target time.Duration
}

// slot holds one packet waiting to be decoded.
type slot struct {
	used bool
	dtx  bool
	ext  int64 // extended (wrap-free) sequence number
	ts   uint32
	n    int // samples, from the table of contents
	buf  []byte
}

// Stream turns one member's Opus RTP packets into a steady 20 ms frame per mixer tick.
//
// Packets go into a jitter buffer ordered by sequence number. Whenever the next packet in sequence
// is there it is decoded at once into a queue of PCM, so the decoding happens in Push, on the
// member's RTP read goroutine: the mixer's tick, which serves up to ~50 members on two cores, then
// only copies samples. A packet that arrives out of order waits in the buffer; the gap before it
// is declared lost only when the PCM queue can no longer cover the mixer's next frame, which is
// the latest moment the missing packet could still have been played.
//
// The playout delay is what is queued: on start, after silence and after an underrun the stream
// pads the queue with silence (or concealment) up to the target, 40 ms to start with, and it
// adapts the target and the queue to the network and to the sender's clock (see adaptLocked).
//
// Missing audio: a gap in the sequence is filled for the duration the RTP timestamps give it
// (clamped to 200 ms) by the concealer (the last 20 ms, repeated and fading, silent after 60 ms),
// so the packets after the gap play exactly where they would have; a burst loss that empties the
// queue first is recognised as loss, not lateness, when the packet after it arrives on time. If the
// queue runs dry and the next packet in sequence then arrives, that is an underrun: concealment
// filled the wait, the target rises by 20 ms, and the late audio plays after a crossfade. Empty
// (DTX) payloads are the sender's silence: what is queued plays out and fades, nothing is
// concealed. Every splice is a 2.5 ms crossfade.
//
// One mutex guards the buffer and the queue and is held only for those operations, never during
// a decode: the decoder belongs to whichever goroutine holds the decoding token (a flag under the
// mutex), and one that finds the token taken leaves its work to the holder, so Pull never waits
// for a decode. Pull decodes only in the rare case that a gap has just been declared lost and the
// concealment does not cover the frame.
type Stream struct {
	mu sync.Mutex

	// Jitter buffer.
	started  bool
	next     int64 // extended sequence number of the next packet to decode
	highest  int64 // highest extended sequence number seen
	slots    [window]slot
	pending  int
	oldRun   int    // consecutive packets far behind next: a restarted sender
	lastEnd  uint32 // RTP timestamp where the last packet taken for decoding ends
	lastDur  int    // its duration
	overrun  int    // filler played since then because the queue ran dry (starving)
	decoding bool   // the decoding token
	gen      uint64 // bumped by Reset and resync: decodes started before are discarded
	resetDec bool   // the next token holder must reset the decoder

	// Playout.
	q        pcmQueue
	tailReal bool // the queue ends with real audio (false: with concealment or silence)
	talking  bool // audio is expected: the last thing heard was audio, not DTX, and not nothing
	starving bool // the queue ran dry while talking; resolved when packets come
	dry      bool // the queue ran dry (or never started): rebuffer to the target before playing
	conc     concealer
	hist     [histLen]float32 // the last real audio queued
	target   int
	pulls    int
	winMin   int
	winUnder bool
	calm     int
	adjust   int // samples to insert (> 0) or cut (< 0) at the next quiet moment
	// The least level after the pulls not yet counted into winMin. A loss empties the queue the
	// pull before it is found (and starves it until then), which says nothing about slack, so a
	// level counts only once the next pull has found no loss and is not starving.
	pendMin  int
	lossPull bool

	stats StreamStats

	// Owned by the holder of the decoding token.
	dec  opus.Decoder
	work []byte
	pcm  []float32
}

// NewStream returns an empty stream.
func NewStream() (*Stream, error) {
	dec, err := opus.NewDecoderWithOutput(Rate, 1)
	if err != nil {
		return nil, fmt.Errorf("mix: opus decoder: %w", err)
	}
	s := &Stream{
		dec:     dec,
		pcm:     make([]float32, maxPacketSamples),
		q:       newPCMQueue(queueCap),
		target:  minTarget,
		dry:     true,
		winMin:  queueCap,
		pendMin: queueCap,
	}
	s.conc.silence()
	return s, nil
}

// Push hands the stream one RTP packet's sequence number, timestamp and payload. It copies the
// payload, so the caller may reuse it. It is meant for the member's RTP read goroutine, may run
// concurrently with Pull, never panics, and drops and counts what it cannot use. It decodes the
// packet (and any it completes a sequence for) before returning.
func (s *Stream) Push(seq uint16, ts uint32, payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Packets++
	// Whatever becomes of this packet, decode what is ready: a gap declared lost by Pull may have
	// left the packets after it waiting.
	defer s.drainLocked()
	dtx := isDTX(payload)
	n := packetSamples(payload)
	switch {
	case dtx:
		s.stats.DTX++
		if n == 0 {
			n = FrameSamples
		}
	case n == 0 || len(payload) > maxPayload:
		s.stats.Dropped++
		return
	}
	if !s.started {
		s.started = true
		s.next, s.highest = int64(seq), int64(seq)
		s.lastEnd = ts
		s.lastDur = n
	}
	ext := s.highest + int64(int16(seq-uint16(s.highest)))
	d := ext - s.next
	switch {
	case d < -window:
		// Far behind: a very late packet, or a sender that restarted lower. Three in a row is a
		// restart.
		s.oldRun++
		if s.oldRun < 3 {
			s.stats.Dropped++
			return
		}
		s.resyncLocked(ext, ts)
	case d < 0:
		s.oldRun = 0
		s.stats.Dropped++
		return
	case d >= window:
		s.resyncLocked(ext, ts)
	}
	s.oldRun = 0
	if ext > s.highest {
		s.highest = ext
	}
	sl := &s.slots[uint64(ext)%window]
	if sl.used {
		s.stats.Dropped++ // a duplicate
		return
	}
	sl.used, sl.dtx, sl.ext, sl.ts, sl.n = true, dtx, ext, ts, n
	sl.buf = append(sl.buf[:0], payload...)
	s.pending++
}

// resyncLocked starts the sequence over at ext: what is buffered is dropped, what is queued still
// plays, and the new audio is crossfaded in after it.
func (s *Stream) resyncLocked(ext int64, ts uint32) {
	s.stats.Resyncs++
	s.stats.Dropped += uint64(s.pending)
	s.clearSlotsLocked()
	s.next, s.highest = ext, ext
	s.lastEnd = ts
	s.overrun = 0
	s.oldRun = 0
	s.gen++
	s.resetDec = true
	s.talking, s.starving = false, false
	if s.tailReal {
		s.conc.start(&s.hist, true)
		s.tailReal = false
	}
}

func (s *Stream) clearSlotsLocked() {
	for i := range s.slots {
		s.slots[i].used = false
	}
	s.pending = 0
}

// nextReadyLocked reports whether the next packet in sequence is buffered.
func (s *Stream) nextReadyLocked() bool {
	sl := &s.slots[uint64(s.next)%window]
	return sl.used && sl.ext == s.next
}

// drainLocked decodes every buffered packet that is next in sequence and queues its audio, unless
// another goroutine holds the decoding token: that one sees the new packets before it lets go of
// the token (both happen under mu), so none is stranded. Called and returns with mu held; releases
// it while decoding.
func (s *Stream) drainLocked() {
	if s.decoding {
		return
	}
	s.decoding = true
	defer func() { s.decoding = false }()
	for s.nextReadyLocked() {
		sl := &s.slots[uint64(s.next)%window]
		sl.used = false
		s.pending--
		s.next++
		// In sequence but later than where the last packet ended (a packet holding less audio
		// than its timestamps say, as garbage may): fill the difference, so what follows keeps
		// its place. Larger jumps are a sender that paused; that plays as a pause.
		if jump := int(int32(sl.ts - s.lastEnd)); jump > 0 && jump <= maxGap && s.talking && !s.dry && !sl.dtx {
			s.fillLocked(jump)
			s.stats.Concealed += uint64(jump)
		}
		s.lastEnd = sl.ts + uint32(sl.n)
		s.lastDur = sl.n
		if sl.dtx {
			s.starving = false // late silence: nothing lost that was worth hearing
			s.overrun = 0
			s.silenceLocked()
			continue
		}
		if s.starving {
			// The next packet in sequence after the queue ran dry: it was late.
			s.underrunLocked()
		}
		s.overrun = 0
		// Take the payload out of the slot: a new packet may land in it while we decode.
		s.work, sl.buf = sl.buf, s.work
		n, gen, reset := sl.n, s.gen, s.resetDec
		s.resetDec = false

		s.mu.Unlock()
		if reset {
			s.dec, _ = opus.NewDecoderWithOutput(Rate, 1)
		}
		got, err := s.decode(s.work)
		s.mu.Lock()

		if gen != s.gen {
			continue // Reset or resync while decoding: this audio belongs to the old stream.
		}
		if err != nil || got == 0 {
			s.stats.DecodeErrors++
			if !s.dry {
				s.fillLocked(n)
				s.stats.Concealed += uint64(n)
			}
			continue
		}
		s.appendRealLocked(s.pcm[:got])
	}
}

// decode runs the decoder on p into s.pcm, turning a panic into an error, and returns the samples
// decoded. Non-finite samples become 0 and the rest are clamped to [-1, 1], so nothing a member
// sends can put a NaN or a huge value into the mix.
func (s *Stream) decode(p []byte) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, errDecodePanic
			s.dec, _ = opus.NewDecoderWithOutput(Rate, 1) // its state is suspect
		}
	}()
	n, err = s.dec.DecodeToFloat32(p, s.pcm)
	if err != nil {
		return 0, err
	}
	n = min(n, len(s.pcm))
	for i, v := range s.pcm[:n] {
		switch {
		case v != v:
			s.pcm[i] = 0
		case v > 1:
			s.pcm[i] = 1
		case v < -1:
			s.pcm[i] = -1
		}
	}
	return n, nil
}

// appendRealLocked queues decoded audio. If the queue ends in concealment or silence, the new
// audio is crossfaded in from where that would have gone on; if the stream had run dry, silence or
// concealment first pads the queue to the target delay.
func (s *Stream) appendRealLocked(pcm []float32) {
	if s.starving {
		// The queue ran dry while this was being decoded: it came late.
		s.underrunLocked()
	}
	if !s.tailReal {
		if s.dry {
			if pad := s.target - s.q.len() - len(pcm); pad > 0 {
				s.fillLocked(pad)
			}
		}
		var cont [xfade]float32
		s.conc.peek(cont[:])
		for i := range min(xfade, len(pcm)) {
			pcm[i] = cont[i]*(1-xfIn[i]) + pcm[i]*xfIn[i]
		}
		s.tailReal = true
	}
	s.dry = false
	s.talking = true
	dst, dropped := s.q.grow(len(pcm))
	copy(dst, pcm)
	s.stats.Skipped += uint64(dropped)
	if len(pcm) >= histLen {
		copy(s.hist[:], pcm[len(pcm)-histLen:])
	} else {
		copy(s.hist[:], s.hist[len(pcm):])
		copy(s.hist[histLen-len(pcm):], pcm)
	}
}

// fillLocked queues n samples of concealment (or silence, once it has faded), starting the
// concealment if the queue ends in real audio.
func (s *Stream) fillLocked(n int) {
	if s.tailReal {
		s.conc.start(&s.hist, false)
		s.tailReal = false
	}
	dst, dropped := s.q.grow(n)
	s.conc.fill(dst)
	s.stats.Skipped += uint64(dropped)
}

// underrunLocked settles a time the queue ran dry that packets lost do not explain: it counts an
// underrun and the time concealed, and raises the target delay, which the padding that follows
// (the queue is dry) puts into effect.
func (s *Stream) underrunLocked() {
	s.stats.Underruns++
	s.stats.Concealed += uint64(min(s.overrun, maxGap))
	s.overrun = 0
	s.starving = false
	s.winUnder = true
	s.target = min(s.target+FrameSamples, maxTarget)
	s.calm = 0
}

// silenceLocked marks that the sender went silent (DTX): the real audio queued plays out and then
// fades within 2.5 ms, with no concealment and no underrun.
func (s *Stream) silenceLocked() {
	s.talking = false
	if s.tailReal {
		s.conc.start(&s.hist, true)
		s.tailReal = false
	}
}

// resolveGapLocked declares lost the packets missing before the first buffered one and queues
// concealment for their duration: the RTP timestamp difference, or the count of missing packets
// times the last packet's duration if the timestamps do not make sense, at most maxGap, less any
// filler already played for that time while the queue was dry. If the queue ran dry for no longer
// than the gap, the loss explains it: no underrun, and the packets after the gap play exactly
// where they would have. Otherwise they were late as well, and it is an underrun.
func (s *Stream) resolveGapLocked() {
	var first *slot
	for i := int64(1); i < window; i++ {
		sl := &s.slots[uint64(s.next+i)%window]
		if sl.used && sl.ext == s.next+i {
			first = sl
			break
		}
	}
	if first == nil { // cannot happen with pending > 0 and next not ready; recover anyway
		s.stats.Dropped += uint64(s.pending)
		s.clearSlotsLocked()
		return
	}
	k := first.ext - s.next
	d := int(int32(first.ts - s.lastEnd))
	if d <= 0 || d > int(k)*maxPacketSamples {
		d = int(k) * s.lastDur
	}
	d = min(d, maxGap)
	switch {
	case !s.starving:
		s.fillLocked(d)
		s.stats.Concealed += uint64(d)
	case s.overrun <= d:
		s.fillLocked(d - s.overrun)
		s.stats.Concealed += uint64(d)
		s.starving = false
		s.dry = false
	default:
		s.underrunLocked()
	}
	s.stats.Lost += uint64(k)
	s.lossPull = true
	s.next = first.ext
	s.lastEnd = first.ts
	s.overrun = 0
}

// Pull writes the next 20 ms of the member's audio into dst (interleaved stereo, normally 1920
// floats; the member's mono audio goes to both channels) and reports whether any of it is sound:
// false means silence was written. It never blocks on a decode and is meant for the mixer's paced
// loop, once per tick.
func (s *Stream) Pull(dst []float32) bool {
	frames := len(dst) / 2
	if len(dst)%2 == 1 {
		dst[len(dst)-1] = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	// Idle (never started, or long silent) with nothing arriving: silence, no queue work.
	if s.q.len() == 0 && s.pending == 0 && !s.tailReal && s.conc.audibleLeft() == 0 {
		clear(dst[:2*frames])
		s.conc.x = min(s.conc.x+frames, expired)
		s.starveLocked(frames)
		return false
	}

	// Make the queue cover the frame: decode what is next in sequence (if nobody else is), or
	// declare the gap before the next buffered packet lost. While another goroutine is decoding,
	// its audio comes before anything buffered, so gaps wait.
	for s.q.len() < frames && !s.decoding && s.pending > 0 {
		if s.nextReadyLocked() {
			s.drainLocked()
		} else {
			s.resolveGapLocked()
		}
	}
	if short := frames - s.q.len(); short > 0 {
		// The next packet is not here: conceal (or, after DTX, play silence) until it is.
		s.fillLocked(short)
		s.starveLocked(short)
	}

	s.applyAdjustLocked(frames)
	src := s.q.data()[:frames]
	sound := false
	for i, v := range src {
		dst[2*i] = v
		dst[2*i+1] = v
		if v != 0 {
			sound = true
		}
	}
	s.q.consume(frames)
	s.adaptLocked()
	return sound
}

// starveLocked notes that the queue ran dry for n samples.
func (s *Stream) starveLocked(n int) {
	s.dry = true
	if s.talking {
		s.starving = true
	}
	if s.starving {
		s.overrun = min(s.overrun+n, expired)
	}
}

// adaptLocked runs once per pull, after the frame is taken. It cuts the delay back at once when
// too much is queued. Every 2 s it looks at the least slack the window kept (queued after a pull,
// beyond the frame the target is for): 10 ms or more to spare is cut (up to 20 ms), 5 ms or more
// missing is made up (up to 10 ms); either happens at the next quiet moment (cuts by the end
// of the window regardless; see applyAdjustLocked). After calm windows it lowers the target.
func (s *Stream) adaptLocked() {
	level := s.q.len()
	want := s.target - FrameSamples // what should be left after a pull
	if level > maxDelay {
		s.stats.Skipped += uint64(s.q.skip(level - want))
		level = s.q.len()
		s.adjust = 0
	}
	// Slack counts packets buffered in sequence too: after a gap is declared lost, the packet
	// behind it may wait for the next Push to be decoded.
	level += s.readySamplesLocked()
	switch {
	case s.lossPull:
		s.pendMin = level
	case s.starving:
		s.pendMin = min(s.pendMin, level)
	default:
		s.winMin = min(s.winMin, s.pendMin)
		s.pendMin = level
	}
	s.lossPull = false
	s.pulls++
	if s.pulls%adaptPulls == 0 {
		s.adjust = 0
		if !s.winUnder {
			if !s.dry && s.talking {
				if excess := s.winMin - want; excess >= FrameSamples/2 {
					s.adjust = -min(excess, FrameSamples)
				} else if -excess >= stretchMin {
					s.adjust = min(-excess, stretchMax)
				}
			}
			s.calm++
			if s.calm >= calmWindows && s.target > minTarget {
				s.target -= FrameSamples
				s.calm = 0
			}
		}
		s.winMin = queueCap
		s.winUnder = false
	}
}

// applyAdjustLocked makes the cut or insertion adaptLocked asked for, at the front of the queue
// just before a pull takes its frame, if the audio there is quiet (cuts: or the window is ending)
// and enough is queued that the pull is still covered.
func (s *Stream) applyAdjustLocked(frames int) {
	switch n := s.adjust; {
	case n < 0:
		n = -n
		if s.q.len()-n-xfade >= frames && (s.q.quiet(n+xfade, quietLevel) || s.pulls%adaptPulls == adaptPulls-1) {
			s.stats.Skipped += uint64(s.q.skip(n))
			s.adjust = 0
		}
	case n > 0:
		if s.q.len() >= n+xfade && s.q.quiet(n+xfade, quietLevel) {
			s.stats.Stretched += uint64(s.q.stretch(n))
			s.adjust = 0
		}
	}
}

// readySamplesLocked returns the audio in the packets buffered in sequence from the next one.
func (s *Stream) readySamplesLocked() int {
	n := 0
	for e := s.next; e < s.next+window; e++ {
		sl := &s.slots[uint64(e)%window]
		if !sl.used || sl.ext != e || sl.dtx {
			break
		}
		n += sl.n
	}
	return n
}

// Stats returns the counters and the current delay.
func (s *Stream) Stats() StreamStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Delay = time.Duration(s.q.len()) * time.Second / Rate
	st.Target = time.Duration(s.target) * time.Second / Rate
	return st
}

// Reset forgets everything buffered and queued, as for a new sender: the next packet starts the
// stream again. A decode under way is discarded, and the decoder is reset before the next one.
// Stats keep counting.
func (s *Stream) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clearSlotsLocked()
	s.started = false
	s.oldRun = 0
	s.overrun = 0
	s.gen++
	s.resetDec = true
	s.talking, s.starving = false, false
	s.q.reset()
	s.tailReal = false
	s.dry = true
	s.conc.silence()
	s.hist = [histLen]float32{}
	s.target = minTarget
	s.winMin = queueCap
	s.winUnder = false
	s.calm = 0
	s.adjust = 0
	s.pendMin, s.lossPull = queueCap, false
}
