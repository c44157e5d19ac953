package show

import (
	"sync/atomic"

	"hearth/media/vp8"
)

// Player hands out one room's video frames in show order. With a recording it only reads it; when
// a viewer needs a keyframe the recording does not have at that frame (someone joined, a picture
// was lost, the host skipped or sought), it draws and encodes frames itself from a keyframe until
// the recording's next keyframe, then reads again. Without a recording it draws every frame.
// Frame is called from one goroutine; RequestKeyframe from any.
type Player struct {
	show *Show
	rec  *Recording
	enc  *vp8.Encoder
	pic  []byte
	out  []byte

	last    int64 // the frame sent last, -1 for none
	bridged bool  // frames are coming from the encoder rather than the recording
	wantKey atomic.Bool

	// Counters, for measurements and tests.
	drawn, read atomic.Int64
}

// NewPlayer returns a player for s; rec may be nil. The player owns rec and closes it.
func NewPlayer(s *Show, rec *Recording) *Player {
	return &Player{show: s, rec: rec, last: -1}
}

// RequestKeyframe makes the next frame a keyframe.
func (p *Player) RequestKeyframe() { p.wantKey.Store(true) }

// Frame returns frame n, encoded, and whether it is a keyframe. It returns nil when there is
// nothing to send: n was the last frame sent and no keyframe is wanted. The slice is reused by the
// next call.
func (p *Player) Frame(n int64) ([]byte, bool, error) {
	if n < 0 || n >= p.show.Frames() {
		return nil, false, nil
	}
	want := p.wantKey.Swap(false)
	if n == p.last && !want {
		return nil, false, nil
	}
	// Anything but the next frame breaks the chain of references: the viewer needs a keyframe.
	key := want || n != p.last+1
	var err error
	if p.rec != nil && n < p.rec.Len() && (p.rec.IsKey(n) || (!key && !p.bridged)) {
		p.bridged = false
		if p.out, err = p.rec.Frame(p.out[:0], n); err != nil {
			return nil, false, err
		}
		p.last = n
		p.read.Add(1)
		return p.out, p.rec.IsKey(n), nil
	}
	if p.enc == nil {
		if p.enc, err = vp8.NewEncoder(p.show.cfg.vp8()); err != nil {
			return nil, false, err
		}
		p.pic = make([]byte, p.show.frameSize())
	}
	if err := p.show.render(p.pic, n); err != nil {
		return nil, false, err
	}
	out, isKey, err := p.enc.Encode(p.out[:0], p.pic, n, key)
	if err != nil {
		if key {
			p.wantKey.Store(true)
		}
		return nil, false, err
	}
	p.out = out
	p.bridged = p.rec != nil
	p.last = n
	p.drawn.Add(1)
	return p.out, isKey, nil
}

// Stats says how many frames were drawn and encoded here and how many read from the recording.
func (p *Player) Stats() (drawn, read int64) { return p.drawn.Load(), p.read.Load() }

// Close releases the encoder and the recording.
func (p *Player) Close() error {
	if p.enc != nil {
		p.enc.Close()
	}
	if p.rec != nil {
		return p.rec.Close()
	}
	return nil
}
