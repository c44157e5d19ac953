// Package room is the live WebRTC side of a session: its peers and the audio it sends them. Every
// track is encoded once per room and the same RTP packets go to every peer. It knows no HTTP.
package room

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"hearth/room/mix"
)

var (
	// ErrBadOffer means an SDP offer is malformed or asks for something the room cannot give.
	ErrBadOffer = errors.New("bad offer")
	// ErrFull means the room has reached its peer limit.
	ErrFull = errors.New("room is full")
	// ErrClosed means the room has closed.
	ErrClosed = errors.New("room is closed")
	// ErrNoPeer means no peer has the given id.
	ErrNoPeer = errors.New("no such peer")
)

// Encoder encodes one 20 ms stereo frame to Opus.
type Encoder interface {
	Encode(frame []float32, out []byte) (int, error)
	// Reset forgets past audio, for an output that resumes after frames it did not encode.
	Reset() error
}

// Config tunes a room.
type Config struct {
	// MaxListeners bounds receive-only peers.
	MaxListeners int
	// MaxMembers bounds peers with a microphone.
	MaxMembers int
	// Ducking is how the broadcast steps back while members speak.
	Ducking mix.DuckConfig
	// DuckingOff starts the room with ducking switched off.
	DuckingOff bool
	// ConnectTimeout closes a peer that has not connected by then (ICE never completing).
	ConnectTimeout time.Duration
	// GatherTimeout bounds the wait for ICE candidates before answering (non-trickle).
	GatherTimeout time.Duration
	// StaleName is how long a member without a working connection keeps their name from a
	// newcomer (who then takes their place); 5 s by default.
	StaleName time.Duration
}

// Room holds one live session's peers and its two audio outputs: the broadcast as members hear it
// (ducked while someone speaks; members hear each other directly), and the listeners' mix of the
// broadcast with every unmuted member. Each is encoded once and the same packets go to every peer.
type Room struct {
	id  string
	api *webrtc.API
	cfg Config
	log *slog.Logger

	// track is the listeners' mix; memberTrack the ducked broadcast members hear.
	track, memberTrack   *webrtc.TrackLocalStaticRTP
	listenOut, memberOut output

	// Mixing state, touched only by the pacing goroutine through WriteAudio.
	mixer         *mix.Mixer
	ducker        *mix.Ducker
	duckBuf       []float32
	mixBuf        []float32
	memFrames     [][]float32
	lastSpeak     []string
	speakDirty    bool
	lastSpeakSent time.Time

	// members is the copy-on-write list the pacing goroutine reads without locking.
	members   atomic.Pointer[[]*member]
	listeners atomic.Int32
	ducking   atomic.Bool

	// Tick statistics: how long the 20 ms tick takes, which bounds the members a room can carry.
	ticks, tickNanos, tickMax atomic.Int64

	events *hub

	mu         sync.Mutex
	peers      map[string]*peer
	byID       map[string]*member
	locked     bool
	micsLocked bool
	closed     bool
	nowPlaying func() any
	wg         sync.WaitGroup

	// configMu serialises Configure, so concurrent changes of the room-wide hold reach every
	// member in the order they were made.
	configMu sync.Mutex

	stateMu      sync.Mutex
	statePending bool
	stateSent    time.Time

	// video is the collage picture, if the session has one (guarded by mu).
	video *video
	// caption is the latest caption message, for those who arrive after it.
	captionMu sync.Mutex
	caption   []byte
}

// output is one encoded, packetised audio stream.
type output struct {
	enc     Encoder
	track   *webrtc.TrackLocalStaticRTP
	pkt     rtp.Packet
	buf     []byte
	tsBase  uint32
	encErrs int64
	// idle is true while nobody receives the output: it is not encoded then.
	idle bool
}

func newOutput(enc Encoder, track *webrtc.TrackLocalStaticRTP) output {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	o := output{enc: enc, track: track, buf: make([]byte, 1500), tsBase: binary.BigEndian.Uint32(rnd[:4])}
	o.pkt.Header = rtp.Header{Version: 2, SequenceNumber: binary.BigEndian.Uint16(rnd[4:])}
	return o
}

// send encodes one frame and writes it to every peer bound to the track. With no receivers the
// frame is skipped; the encoder is reset when someone arrives, so no stale overlap leaks out.
func (o *output) send(seq int64, pcm []float32, receivers int, log *slog.Logger) {
	if receivers == 0 {
		o.idle = true
		return
	}
	if o.idle {
		_ = o.enc.Reset()
		o.idle = false
	}
	n, err := o.enc.Encode(pcm, o.buf)
	if err != nil {
		o.encErrs++
		if o.encErrs == 1 || o.encErrs%1000 == 0 {
			log.Error("opus encode", "err", err, "count", o.encErrs)
		}
		return
	}
	o.pkt.Header.SequenceNumber++
	o.pkt.Header.Timestamp = o.tsBase + uint32(seq)*960
	o.pkt.Payload = o.buf[:n]
	// WriteRTP fans the same bytes out to every bound peer; per-peer work is only SRTP.
	_ = o.track.WriteRTP(&o.pkt)
}

type peer struct {
	id   string
	pc   *webrtc.PeerConnection
	done chan struct{}
	once sync.Once
}

// New returns a room. listenEnc encodes the listeners' mix and memberEnc the broadcast members
// hear: two encoder states, because each output is a continuous Opus stream.
func New(id string, api *webrtc.API, listenEnc, memberEnc Encoder, cfg Config, log *slog.Logger) (*Room, error) {
	if cfg.MaxListeners <= 0 {
		cfg.MaxListeners = 500
	}
	if cfg.MaxMembers <= 0 {
		cfg.MaxMembers = 50
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	if cfg.GatherTimeout <= 0 {
		cfg.GatherTimeout = 2 * time.Second
	}
	if cfg.StaleName <= 0 {
		cfg.StaleName = 5 * time.Second
	}
	track, err := webrtc.NewTrackLocalStaticRTP(opusCapability, "mix", "hearth-"+id)
	if err != nil {
		return nil, err
	}
	memberTrack, err := webrtc.NewTrackLocalStaticRTP(opusCapability, "broadcast", "hearth-"+id)
	if err != nil {
		return nil, err
	}
	r := &Room{
		id: id, api: api, cfg: cfg, log: log.With("room", id),
		track: track, memberTrack: memberTrack,
		listenOut: newOutput(listenEnc, track),
		memberOut: newOutput(memberEnc, memberTrack),
		mixer:     mix.NewMixer(),
		ducker:    mix.NewDucker(cfg.Ducking),
		duckBuf:   make([]float32, 2*960),
		mixBuf:    make([]float32, 2*960),
		events:    newHub(),
		peers:     make(map[string]*peer),
		byID:      make(map[string]*member),
	}
	r.ducking.Store(!cfg.DuckingOff)
	r.members.Store(&[]*member{})
	return r, nil
}

// WriteAudio is the room's 20 ms tick, called from the broadcaster's pacing goroutine with the
// broadcast frame: it takes each member's next frame, detects speech, ducks the broadcast, sends
// the members' broadcast and the listeners' mix. seq is the frame's index on the broadcaster's
// clock, so RTP timestamps follow the clock even across skipped frames.
func (r *Room) WriteAudio(seq int64, pcm []float32) {
	began := time.Now()
	defer func() {
		d := time.Since(began).Nanoseconds()
		r.ticks.Add(1)
		r.tickNanos.Add(d)
		if d > r.tickMax.Load() {
			r.tickMax.Store(d)
		}
	}()
	members := *r.members.Load()
	frames := r.memFrames[:0]
	speaking := false
	changed := false
	for _, m := range members {
		has := m.stream.Pull(m.frame)
		if !m.live.Load() {
			has = false
		}
		sp := false
		if has {
			sp = m.vad.Update(m.frame)
			frames = append(frames, m.frame)
		} else {
			m.vad.Update(r.silence())
		}
		if m.speaking.Swap(sp) != sp {
			changed = true
		}
		speaking = speaking || sp
	}
	r.memFrames = frames
	copy(r.duckBuf, pcm)
	r.ducker.SetEnabled(r.ducking.Load())
	r.ducker.Apply(r.duckBuf, speaking)
	r.memberOut.send(seq, r.duckBuf, len(members), r.log)
	r.mixer.Mix(r.mixBuf, r.duckBuf, frames)
	r.listenOut.send(seq, r.mixBuf, int(r.listeners.Load()), r.log)
	if changed {
		r.speakDirty = true
	}
	// Speaking indicators go out at most five times a second.
	if r.speakDirty && time.Since(r.lastSpeakSent) >= 200*time.Millisecond {
		r.speakDirty = false
		r.lastSpeakSent = time.Now()
		ids := make([]string, 0, 4)
		for _, m := range members {
			if m.speaking.Load() {
				ids = append(ids, m.id)
			}
		}
		r.broadcast(message{Type: "speaking", IDs: ids})
	}
}

var silentFrame = make([]float32, 2*960)

func (r *Room) silence() []float32 { return silentFrame }

// Stats describes the room's work so far.
type Stats struct {
	Ticks        int64   `json:"ticks"`
	TickAvgMS    float64 `json:"tick_avg_ms"`
	TickMaxMS    float64 `json:"tick_max_ms"`
	Members      int     `json:"members"`
	Listeners    int     `json:"listeners"`
	DroppedAudio int64   `json:"dropped_audio_packets"`
	// VideoFrames counts the collage frames sent (each once, to every viewer).
	VideoFrames int64 `json:"video_frames,omitempty"`
}

// Stats returns the room's counters. The maximum tick time is reset by each call.
func (r *Room) Stats() Stats {
	st := Stats{Ticks: r.ticks.Load(), Members: r.Members(), Listeners: int(r.listeners.Load()), VideoFrames: r.videoFrames()}
	if st.Ticks > 0 {
		st.TickAvgMS = float64(r.tickNanos.Load()) / float64(st.Ticks) / 1e6
	}
	st.TickMaxMS = float64(r.tickMax.Swap(0)) / 1e6
	for _, m := range *r.members.Load() {
		st.DroppedAudio += m.garbage.Load()
	}
	return st
}

// DuckingGainDB reports the broadcast's current ducking gain, for tests and metrics.
func (r *Room) DuckingGainDB() float64 { return r.ducker.GainDB() }

// Listeners returns how many receive-only peers are in the room.
func (r *Room) Listeners() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.peers)
}

// MaxOfferBytes bounds an SDP offer; real offers are a few kilobytes.
const MaxOfferBytes = 64 << 10

// checkOffer parses an offer and insists on one receivable audio section, so a malformed or hostile
// offer is refused before pion allocates anything for it.
func checkOffer(offer string) error {
	if len(offer) > MaxOfferBytes {
		return fmt.Errorf("%w: offer larger than %d bytes", ErrBadOffer, MaxOfferBytes)
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return fmt.Errorf("%w: %v", ErrBadOffer, err)
	}
	if len(sd.MediaDescriptions) > 8 {
		return fmt.Errorf("%w: too many media sections (%d)", ErrBadOffer, len(sd.MediaDescriptions))
	}
	audio := 0
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		dir := direction(md)
		if dir == "recvonly" || dir == "sendrecv" {
			audio++
		}
		if !strings.Contains(strings.ToLower(strings.Join(md.MediaName.Formats, " ")+fmtString(md)), "opus") {
			return fmt.Errorf("%w: the audio section does not offer Opus", ErrBadOffer)
		}
	}
	if audio == 0 {
		return fmt.Errorf("%w: the offer has no audio to receive", ErrBadOffer)
	}
	if audio > 1 {
		return fmt.Errorf("%w: the offer has %d audio sections; a listener receives one", ErrBadOffer, audio)
	}
	return nil
}

// direction is a media section's direction attribute; sendrecv when it has none.
func direction(md *sdp.MediaDescription) string {
	for _, a := range md.Attributes {
		switch a.Key {
		case "sendonly", "recvonly", "inactive", "sendrecv":
			return a.Key
		}
	}
	return "sendrecv"
}

func fmtString(md *sdp.MediaDescription) string {
	var b strings.Builder
	for _, a := range md.Attributes {
		if a.Key == "rtpmap" {
			b.WriteString(" ")
			b.WriteString(a.Value)
		}
	}
	return b.String()
}

// AddListener answers a receive-only (WHEP) offer and returns the new peer's id and the answer with
// every candidate in it, since WHEP players may not trickle.
func (r *Room) AddListener(ctx context.Context, offer string) (string, string, error) {
	if err := checkOffer(offer); err != nil {
		return "", "", err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return "", "", ErrClosed
	}
	if len(r.peers) >= r.cfg.MaxListeners {
		r.mu.Unlock()
		return "", "", ErrFull
	}
	r.mu.Unlock()

	pc, err := r.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", "", err
	}
	fail := func(err error) (string, string, error) {
		pc.Close()
		return "", "", err
	}
	sender, err := pc.AddTransceiverFromTrack(r.track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return fail(err)
	}
	var videoSender *webrtc.RTPSender
	v := r.videoTrack()
	if v != nil && offersVideo(offer) {
		vt, err := pc.AddTransceiverFromTrack(v.track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			return fail(err)
		}
		videoSender = vt.Sender()
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(fmt.Errorf("%w: %v", ErrBadOffer, err))
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", ErrBadOffer, err))
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(err)
	}
	select {
	case <-gathered:
	case <-time.After(r.cfg.GatherTimeout):
	case <-ctx.Done():
		return fail(ctx.Err())
	}

	p := &peer{id: newPeerID(), pc: pc, done: make(chan struct{})}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return fail(ErrClosed)
	}
	r.peers[p.id] = p
	r.listeners.Store(int32(len(r.peers)))
	r.wg.Add(2 + goroutines(videoSender))
	r.mu.Unlock()

	// Read RTCP from the sender: it drives the interceptors (NACK, reports) and without it pion's
	// buffers fill and feedback is never answered.
	r.watch(pc, sender.Sender(), p.done, func() { r.removeListener(p.id) }, "listener", p.id, r.watchVideo(videoSender, v))
	r.log.Info("listener joined", "peer", p.id, "listeners", r.Listeners())
	r.stateChanged()
	return p.id, stereoOpus(pc.LocalDescription().SDP), nil
}

// watchVideo reads a peer's video RTCP, answering picture loss with keyframes, and returns what to
// do once the peer is connected: ask for a keyframe, so a new viewer sees a picture at once rather
// than at the next periodic one. sender may be nil when the peer did not ask for video.
func (r *Room) watchVideo(sender *webrtc.RTPSender, v *video) func() {
	if sender == nil {
		return nil
	}
	// The caller added this goroutine to r.wg while holding r.mu, as for watch's.
	go func() {
		defer r.wg.Done()
		readVideoRTCP(sender, v)
	}()
	return func() {
		v.requestKeyframe()
		// The track binds to the peer as SRTP starts, which can be just after the connection
		// reports connected; a second request covers a first keyframe that went out too early.
		time.AfterFunc(keyframeGap+50*time.Millisecond, v.requestKeyframe)
	}
}

// goroutines is how many goroutines watchVideo starts for sender.
func goroutines(sender *webrtc.RTPSender) int {
	if sender == nil {
		return 0
	}
	return 1
}

// watch owns a new peer's lifecycle goroutines (the caller has added 2 to r.wg): it reads RTCP from
// the sender, which drives pion's interceptors; removes the peer when its connection fails or
// closes; and removes a peer that never completes ICE within the connect timeout.
func (r *Room) watch(pc *webrtc.PeerConnection, sender *webrtc.RTPSender, done <-chan struct{}, remove func(), kind, id string, onConnected func()) {
	go func() {
		defer r.wg.Done()
		readRTCP(sender)
	}()
	connected := make(chan struct{})
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			once.Do(func() {
				close(connected)
				if onConnected != nil {
					onConnected()
				}
			})
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			// Not from pion's callback goroutine: removing closes the connection.
			go remove()
		}
	})
	go func() {
		defer r.wg.Done()
		t := time.NewTimer(r.cfg.ConnectTimeout)
		defer t.Stop()
		select {
		case <-connected:
		case <-done:
		case <-t.C:
			r.log.Info(kind+" never connected; removing", "peer", id)
			remove()
		}
	}()
}

// RemoveListener closes a listener; it reports whether the listener was in the room.
func (r *Room) RemoveListener(id string) bool { return r.removeListener(id) }

func (r *Room) removeListener(id string) bool {
	r.mu.Lock()
	p, ok := r.peers[id]
	delete(r.peers, id)
	r.listeners.Store(int32(len(r.peers)))
	r.mu.Unlock()
	if !ok {
		return false
	}
	p.close()
	r.log.Info("listener left", "peer", id, "listeners", r.Listeners())
	r.stateChanged()
	return true
}

func (p *peer) close() {
	p.once.Do(func() {
		close(p.done)
		p.pc.Close()
	})
}

// End tells everyone the session has ended, then closes the room.
func (r *Room) End() {
	r.broadcast(message{Type: "ended"})
	// Let the message leave on the members' data channels before their connections close: wait
	// until every channel has handed its data to the transport (at most a second), then a moment.
	deadline := time.Now().Add(time.Second)
	for _, m := range *r.members.Load() {
		for m.buffered() > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	time.Sleep(100 * time.Millisecond)
	r.Close()
}

// Close removes every peer and waits for their goroutines. Peers are not told the session ended:
// a room also closes when the server restarts, and then clients reconnect.
func (r *Room) Close() {
	r.mu.Lock()
	r.closed = true
	peers := make([]*peer, 0, len(r.peers))
	for _, p := range r.peers {
		peers = append(peers, p)
	}
	r.peers = make(map[string]*peer)
	r.listeners.Store(0)
	members := make([]*member, 0, len(r.byID))
	for _, m := range r.byID {
		members = append(members, m)
	}
	r.byID = make(map[string]*member)
	r.members.Store(&[]*member{})
	r.mu.Unlock()
	for _, p := range peers {
		p.close()
	}
	for _, m := range members {
		m.close()
	}
	r.events.close()
	r.wg.Wait()
}

func newPeerID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}
