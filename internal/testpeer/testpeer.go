// Package testpeer is a receive-only pion peer for tests: it speaks WHEP over loopback, records RTP
// packets and decodes the Opus audio with pion/opus, so tests can check what a listener really hears.
package testpeer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/pion/opus"
	"github.com/pion/webrtc/v4"
)

// Packet is one received RTP packet's header facts.
type Packet struct {
	Seq        uint16
	Timestamp  uint32
	PayloadLen int
	Arrival    time.Time
}

// Listener is a receive-only peer.
type Listener struct {
	PC *webrtc.PeerConnection

	mu         sync.Mutex
	packets    []Packet
	pcm        []float32
	decodeErrs int
	first      chan struct{}
	firstOnce  sync.Once
	done       chan struct{}
	decode     bool
	video      []VideoFrame
	videoSSRC  uint32
}

// New makes a listener that decodes what it receives, and its offer (with candidates gathered).
func New() (*Listener, string, error) { return NewWith(true) }

// NewWith makes a listener; without decoding it only records packets, which lets a load test hold
// hundreds of listeners on a small machine.
func NewWith(decode bool) (*Listener, string, error) { return newListener(decode, false) }

func newListener(decode, video bool) (*Listener, string, error) {
	pc, err := loopbackAPI().NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", err
	}
	l := &Listener{PC: pc, first: make(chan struct{}), done: make(chan struct{}), decode: decode}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		pc.Close()
		return nil, "", err
	}
	if video {
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			pc.Close()
			return nil, "", err
		}
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() == webrtc.RTPCodecTypeVideo {
			go l.readVideo(tr)
			return
		}
		go l.read(tr)
	})
	offer, err := gatheredOffer(pc)
	if err != nil {
		pc.Close()
		return nil, "", err
	}
	return l, offer, nil
}

// Accept applies the server's answer.
func (l *Listener) Accept(answer string) error {
	return l.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
}

func (l *Listener) read(tr *webrtc.TrackRemote) {
	dec, err := opus.NewDecoderWithOutput(48000, 2)
	if err != nil {
		return
	}
	out := make([]float32, 5760*2)
	for {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now()
		l.firstOnce.Do(func() { close(l.first) })
		var n int
		var derr error
		if len(p.Payload) > 0 && l.decode {
			n, derr = dec.DecodeToFloat32(p.Payload, out)
		}
		l.mu.Lock()
		l.packets = append(l.packets, Packet{Seq: p.SequenceNumber, Timestamp: p.Timestamp, PayloadLen: len(p.Payload), Arrival: now})
		if derr != nil {
			l.decodeErrs++
		} else {
			l.pcm = append(l.pcm, out[:2*n]...)
		}
		l.mu.Unlock()
	}
}

// First is closed when the first RTP packet arrives.
func (l *Listener) First() <-chan struct{} { return l.first }

// Packets returns a copy of the packets so far.
func (l *Listener) Packets() []Packet {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Packet(nil), l.packets...)
}

// PCM returns a copy of the decoded interleaved stereo audio so far, and the decode error count.
func (l *Listener) PCM() ([]float32, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]float32(nil), l.pcm...), l.decodeErrs
}

// WaitPackets waits until n packets have arrived.
func (l *Listener) WaitPackets(ctx context.Context, n int) error {
	for {
		l.mu.Lock()
		k := len(l.packets)
		l.mu.Unlock()
		if k >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("got %d of %d packets: %w", k, n, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Close closes the peer connection.
func (l *Listener) Close() error { return l.PC.Close() }

// DialWHEP posts an offer to a WHEP endpoint and applies the answer. It returns the resource URL.
func DialWHEP(ctx context.Context, endpoint, token string) (*Listener, string, error) {
	return DialWHEPWith(ctx, endpoint, token, true)
}

// DialWHEPWith is DialWHEP with decoding on or off.
func DialWHEPWith(ctx context.Context, endpoint, token string, decode bool) (*Listener, string, error) {
	return dialWHEP(ctx, endpoint, token, decode, false)
}

func dialWHEP(ctx context.Context, endpoint, token string, decode, video bool) (*Listener, string, error) {
	l, offer, err := newListener(decode, video)
	if err != nil {
		return nil, "", err
	}
	answer, loc, err := postSDP(ctx, endpoint, token, offer)
	if err == nil {
		err = l.Accept(answer)
	}
	if err != nil {
		l.Close()
		return nil, "", err
	}
	return l, loc, nil
}

// gatheredOffer creates an offer, sets it and waits for every candidate, since the server's
// endpoints take no trickled candidates.
func gatheredOffer(pc *webrtc.PeerConnection) (string, error) {
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return "", err
	}
	<-gathered
	return pc.LocalDescription().SDP, nil
}

// postSDP posts an SDP offer with a bearer token, as WHEP and the join endpoint take it, and
// returns the answer and the Location of the new resource.
func postSDP(ctx context.Context, endpoint, token, offer string) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader([]byte(offer)))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", "", fmt.Errorf("POST %s: %s: %s", endpoint, resp.Status, body)
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", "", errors.New("POST " + endpoint + ": no Location header")
	}
	return string(body), loc, nil
}

// Left returns the left channel of interleaved stereo samples.
func Left(pcm []float32) []float32 {
	out := make([]float32, len(pcm)/2)
	for i := range out {
		out[i] = pcm[2*i]
	}
	return out
}

// Frequency estimates the frequency of a clean tone from its upward zero crossings, interpolated
// between samples; it is accurate to well under 0.1 Hz over a few seconds of signal.
func Frequency(x []float32, rate float64) float64 {
	var firstT, lastT float64
	count := 0
	for i := 1; i < len(x); i++ {
		if x[i-1] < 0 && x[i] >= 0 {
			t := float64(i-1) + float64(-x[i-1])/float64(x[i]-x[i-1])
			if count == 0 {
				firstT = t
			}
			lastT = t
			count++
		}
	}
	if count < 2 {
		return 0
	}
	return float64(count-1) / ((lastT - firstT) / rate)
}

// RMSdB returns the RMS level of x in dBFS.
func RMSdB(x []float32) float64 {
	if len(x) == 0 {
		return math.Inf(-1)
	}
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return 10 * math.Log10(s/float64(len(x))+1e-20)
}

// SilentWindows counts consecutive windows of n samples whose RMS is below floor dBFS.
func SilentWindows(x []float32, n int, floor float64) int {
	k := 0
	for i := 0; i+n <= len(x); i += n {
		if RMSdB(x[i:i+n]) < floor {
			k++
		}
	}
	return k
}
