package testpeer

import (
	"context"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// VideoFrame is one whole VP8 frame put together from its RTP packets.
type VideoFrame struct {
	Timestamp uint32
	Data      []byte
	// Key is true for a keyframe (the lowest bit of the VP8 frame tag is 0).
	Key     bool
	Arrival time.Time
}

// DialWHEPVideo is DialWHEP for a player that also asks for the video track.
func DialWHEPVideo(ctx context.Context, endpoint, token string) (*Listener, string, error) {
	return dialWHEP(ctx, endpoint, token, true, true)
}

// readVideo reassembles VP8 frames: packets of one timestamp up to the marker bit. A frame with a
// gap in its sequence numbers is dropped, and so is everything after it until a keyframe, as a
// real player would (it would send a PLI; tests do that with SendPLI).
func (l *Listener) readVideo(tr *webrtc.TrackRemote) {
	l.mu.Lock()
	l.videoSSRC = uint32(tr.SSRC())
	l.mu.Unlock()
	var cur []byte
	var curTS uint32
	var lastSeq uint16
	started, broken := false, true
	var depack codecs.VP8Packet
	for {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		if started && p.SequenceNumber != lastSeq+1 {
			broken, cur = true, nil
		}
		started, lastSeq = true, p.SequenceNumber
		payload, err := depack.Unmarshal(p.Payload)
		if err != nil {
			broken, cur = true, nil
			continue
		}
		if depack.S == 1 && depack.PID == 0 {
			cur, curTS = cur[:0], p.Timestamp
		} else if cur == nil || p.Timestamp != curTS {
			continue
		}
		cur = append(cur, payload...)
		if !p.Marker || len(cur) == 0 {
			continue
		}
		key := cur[0]&1 == 0
		if broken && !key {
			cur = nil
			continue
		}
		broken = false
		f := VideoFrame{Timestamp: curTS, Data: append([]byte(nil), cur...), Key: key, Arrival: time.Now()}
		cur = nil
		l.mu.Lock()
		l.video = append(l.video, f)
		l.mu.Unlock()
	}
}

// VideoFrames returns the whole frames received so far.
func (l *Listener) VideoFrames() []VideoFrame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]VideoFrame(nil), l.video...)
}

// SendPLI tells the server a picture was lost, as a player does after packet loss.
func (l *Listener) SendPLI() error {
	l.mu.Lock()
	ssrc := l.videoSSRC
	l.mu.Unlock()
	return l.PC.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
}
