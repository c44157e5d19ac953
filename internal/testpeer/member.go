package testpeer

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/opus"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	libopus "gopkg.in/hraban/opus.v2"
)

// Member is a pion peer that joins a room like the browser's join page: a microphone track, the
// "hearth" data channel, answers to the server's renegotiation offers, and every received track
// recorded and decoded by stream id.
type Member struct {
	PC  *webrtc.PeerConnection
	DC  *webrtc.DataChannel
	mic *webrtc.TrackLocalStaticSample

	mu      sync.Mutex
	streams map[string]*received
	msgs    []map[string]any
	open    chan struct{}
	stop    chan struct{}
	wg      sync.WaitGroup
	sendMu  sync.Mutex
	sending context.CancelFunc
	decode  bool
}

type received struct {
	pcm     []float32
	arrival []time.Time // arrival time of each decoded 20 ms block (per packet)
	offsets []int       // pcm offset (in frames) of each packet
	packets int
}

func loopbackAPI() *webrtc.API {
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	m := &webrtc.MediaEngine{}
	_ = m.RegisterDefaultCodecs()
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(m))
}

// NewMember makes a member that decodes what it hears, and its offer.
func NewMember() (*Member, string, error) { return NewMemberWith(true) }

// NewMemberWith makes a member; without decoding it only counts packets (for benchmarks).
func NewMemberWith(decode bool) (*Member, string, error) {
	pc, err := loopbackAPI().NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", err
	}
	mic, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "me")
	if err != nil {
		pc.Close()
		return nil, "", err
	}
	if _, err := pc.AddTransceiverFromTrack(mic, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		pc.Close()
		return nil, "", err
	}
	dc, err := pc.CreateDataChannel("hearth", nil)
	if err != nil {
		pc.Close()
		return nil, "", err
	}
	m := &Member{PC: pc, DC: dc, mic: mic, streams: map[string]*received{}, open: make(chan struct{}), stop: make(chan struct{}), decode: decode}
	dc.OnOpen(func() { close(m.open) })
	dc.OnMessage(func(msg webrtc.DataChannelMessage) { m.onMessage(msg.Data) })
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.read(tr)
		}()
	})
	offer, err := gatheredOffer(pc)
	if err != nil {
		pc.Close()
		return nil, "", err
	}
	return m, offer, nil
}

// Accept applies the server's answer.
func (m *Member) Accept(answer string) error {
	return m.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
}

func (m *Member) onMessage(b []byte) {
	var msg map[string]any
	if json.Unmarshal(b, &msg) != nil {
		return
	}
	m.mu.Lock()
	m.msgs = append(m.msgs, msg)
	m.mu.Unlock()
	if msg["type"] == "offer" {
		sdp, _ := msg["sdp"].(string)
		// Answer off pion's callback goroutine.
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			if err := m.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
				return
			}
			ans, err := m.PC.CreateAnswer(nil)
			if err != nil {
				return
			}
			if err := m.PC.SetLocalDescription(ans); err != nil {
				return
			}
			m.Send(map[string]any{"type": "answer", "sdp": m.PC.LocalDescription().SDP})
		}()
	}
}

func (m *Member) read(tr *webrtc.TrackRemote) {
	id := tr.StreamID()
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
		n := 0
		if len(p.Payload) > 0 && m.decode {
			if k, err := dec.DecodeToFloat32(p.Payload, out); err == nil {
				n = k
			}
		}
		m.mu.Lock()
		r := m.streams[id]
		if r == nil {
			r = &received{}
			m.streams[id] = r
		}
		r.packets++
		r.arrival = append(r.arrival, now)
		r.offsets = append(r.offsets, len(r.pcm)/2)
		r.pcm = append(r.pcm, out[:2*n]...)
		m.mu.Unlock()
	}
}

// Send sends a JSON message on the data channel.
func (m *Member) Send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return m.DC.SendText(string(b))
}

// WaitOpen waits for the data channel.
func (m *Member) WaitOpen(ctx context.Context) error {
	select {
	case <-m.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Messages returns the received data-channel messages of a type ("" for all).
func (m *Member) Messages(typ string) []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []map[string]any
	for _, msg := range m.msgs {
		if typ == "" || msg["type"] == typ {
			out = append(out, msg)
		}
	}
	return out
}

// Streams returns the stream ids received so far.
func (m *Member) Streams() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id, r := range m.streams {
		if r.packets > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// Stream returns a copy of one received stream's decoded audio.
func (m *Member) Stream(id string) []float32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.streams[id]; r != nil {
		return append([]float32(nil), r.pcm...)
	}
	return nil
}

// SendTone starts sending a sine (mono content, as a microphone would) at level dBFS, encoded with
// libopus in 20 ms frames, until StopTone or Close. payload, if not nil, replaces each encoded
// frame (for sending garbage).
func (m *Member) SendTone(freq, levelDB float64, payload func([]byte) []byte) error {
	enc, err := libopus.NewEncoder(48000, 2, libopus.AppVoIP)
	if err != nil {
		return err
	}
	m.StopTone()
	ctx, cancel := context.WithCancel(context.Background())
	m.sendMu.Lock()
	m.sending = cancel
	m.sendMu.Unlock()
	amp := math.Pow(10, levelDB/20)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		pcm := make([]float32, 2*960)
		buf := make([]byte, 1500)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var n int64
		for {
			for i := 0; i < 960; i++ {
				v := float32(amp * math.Sin(2*math.Pi*freq*float64(n*960+int64(i))/48000))
				pcm[2*i], pcm[2*i+1] = v, v
			}
			n++
			k, err := enc.EncodeFloat32(pcm, buf)
			if err == nil {
				data := buf[:k]
				if payload != nil {
					data = payload(data)
				}
				_ = m.mic.WriteSample(media.Sample{Data: append([]byte(nil), data...), Duration: 20 * time.Millisecond})
			}
			select {
			case <-ctx.Done():
				return
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return nil
}

// StopTone stops sending (the microphone goes quiet: no packets, as with DTX).
func (m *Member) StopTone() {
	m.sendMu.Lock()
	if m.sending != nil {
		m.sending()
		m.sending = nil
	}
	m.sendMu.Unlock()
}

// Close leaves.
func (m *Member) Close() error {
	m.StopTone()
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
	err := m.PC.Close()
	m.wg.Wait()
	return err
}

// JoinHTTP posts a member offer to the join endpoint and applies the answer; it returns the
// member's Location.
func JoinHTTP(ctx context.Context, base, sessionID, token, name string) (*Member, string, error) {
	return JoinHTTPWith(ctx, base, sessionID, token, name, true)
}

// JoinHTTPWith is JoinHTTP with decoding on or off.
func JoinHTTPWith(ctx context.Context, base, sessionID, token, name string, decode bool) (*Member, string, error) {
	m, offer, err := NewMemberWith(decode)
	if err != nil {
		return nil, "", err
	}
	u := base + "/api/v1/sessions/" + sessionID + "/join?name=" + url.QueryEscape(name)
	answer, loc, err := postSDP(ctx, u, token, offer)
	if err == nil {
		err = m.Accept(answer)
	}
	if err != nil {
		m.Close()
		return nil, "", err
	}
	return m, loc, nil
}

// ToneLevel returns the level in dBFS of the component of x at freq (Goertzel), as the amplitude of
// a sine: a full-scale sine reads 0 dB.
func ToneLevel(x []float32, freq, rate float64) float64 {
	if len(x) == 0 {
		return math.Inf(-1)
	}
	w := 2 * math.Pi * freq / rate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for i, v := range x {
		// A Hann window keeps a strong neighbouring tone from leaking in.
		h := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(len(x)-1))
		s := float64(v)*h + c*s1 - s2
		s2, s1 = s1, s
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	amp := 2 * math.Sqrt(math.Max(p, 0)) / (float64(len(x)) * 0.5)
	return 20 * math.Log10(amp+1e-12)
}

// PCMAt returns the listener's decoded left channel with the arrival time of each packet's first
// sample, for timing what was heard when.
func (l *Listener) PCMAt() ([]float32, []time.Time, []int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	pcm := Left(l.pcm)
	var at []time.Time
	var off []int
	n := 0
	for _, p := range l.packets {
		at = append(at, p.Arrival)
		off = append(off, n)
		n += 960
	}
	return pcm, at, off
}

// StreamAt returns one received stream's decoded left channel with the arrival time and sample
// offset of each packet.
func (m *Member) StreamAt(id string) ([]float32, []time.Time, []int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.streams[id]
	if r == nil {
		return nil, nil, nil
	}
	return Left(r.pcm), append([]time.Time(nil), r.arrival...), append([]int(nil), r.offsets...)
}

// Onset returns the arrival time of the first packet after t whose audio holds freq above level
// dBFS, or the zero time.
func Onset(pcm []float32, at []time.Time, off []int, t time.Time, freq, level float64) time.Time {
	for i := range at {
		if at[i].Before(t) || off[i]+960 > len(pcm) {
			continue
		}
		if ToneLevel(pcm[off[i]:off[i]+960], freq, 48000) > level {
			return at[i]
		}
	}
	return time.Time{}
}

// ProducedAt estimates when the sender produced each packet, on this machine's clock: RTP
// timestamps (48 kHz) give the spacing, and the least-delayed packet anchors them. Unlike arrival
// times, these do not move when the receiving side is briefly starved of CPU.
func ProducedAt(pkts []Packet) []time.Time {
	if len(pkts) == 0 {
		return nil
	}
	ts0 := pkts[0].Timestamp
	offset := time.Duration(1<<62 - 1)
	for _, p := range pkts {
		media := time.Duration(p.Timestamp-ts0) * time.Second / 48000
		if d := p.Arrival.Sub(pkts[0].Arrival) - media; d < offset {
			offset = d
		}
	}
	out := make([]time.Time, len(pkts))
	for i, p := range pkts {
		out[i] = pkts[0].Arrival.Add(offset + time.Duration(p.Timestamp-ts0)*time.Second/48000)
	}
	return out
}

// WaitMessage waits for a data-channel message of a type (the server's "welcome" says its side of
// the channel is open).
func (m *Member) WaitMessage(ctx context.Context, typ string) error {
	for len(m.Messages(typ)) == 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("no %q message: %w", typ, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}
