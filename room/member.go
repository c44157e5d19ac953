package room

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
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
	// ErrLocked means the host has locked the room to new members.
	ErrLocked = errors.New("the room is locked")
	// ErrNotAllowed means the host's settings forbid what a member asked for.
	ErrNotAllowed = errors.New("not allowed")
)

const (
	// maxMessage bounds a data-channel message; larger ones are refused, the connection kept.
	// Answers to renegotiations carry SDP that grows with every member, so they may be as large
	// as an offer (MaxOfferBytes).
	maxMessage = 4 << 10
	// answerTimeout is how long a member may take to answer a renegotiation.
	answerTimeout = 10 * time.Second
	// maxBuffered is how much unsent data a member's channel may hold before events are dropped.
	maxBuffered = 256 << 10
)

// member is a peer with a microphone.
type member struct {
	// id is public (the roster shows it, forwarded streams carry it); key is the member's private
	// handle for leaving, so one member cannot remove another.
	id   string
	key  string
	name string
	// nameKey is the name as compared with others' (nameKey); joinedAt when the member arrived.
	nameKey  string
	joinedAt time.Time
	r        *Room
	pc       *webrtc.PeerConnection

	// Audio path: the microphone is forwarded as is to other members (fwd) and decoded into the
	// listeners' mix (stream, vad, frame: the last two only on the pacing goroutine).
	fwd    *webrtc.TrackLocalStaticRTP
	stream *mix.Stream
	vad    *mix.VAD
	frame  []float32

	// host marks a host of the session who joined the room with a microphone.
	host bool

	// live says whether the member's audio reaches anyone: the media path's copy of !mic.muted(),
	// written only by setMic. speaking is the pacing goroutine's voice detection.
	live     atomic.Bool
	speaking atomic.Bool

	garbage, forwarded atomic.Int64

	mu sync.Mutex
	// mic is who holds the microphone; hand and handAt the raised hand (holds.go).
	mic         mic
	hand        bool
	handAt      time.Time
	dc          *webrtc.DataChannel
	dcOpen      bool
	senders     map[string]*webrtc.RTPSender // forwarded tracks of other members, by member id
	negotiating bool
	negPending  bool
	negTimer    *time.Timer
	lastReact   time.Time
	tokens      float64
	tokensAt    time.Time
	closed      bool
	done        chan struct{}
}

func (m *member) json() memberJSON {
	m.mu.Lock()
	j := memberJSON{ID: m.id, Name: m.name, Host: m.host, Muted: m.mic.muted(), Hand: m.hand, Speaking: m.speaking.Load()}
	if m.hand {
		j.HandAt = m.handAt.UnixMilli()
	}
	m.mu.Unlock()
	return j
}

// checkMemberOffer requires exactly one audio section the member sends on and a data channel.
func checkMemberOffer(offer string) error {
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
	audio, data := 0, 0
	for _, md := range sd.MediaDescriptions {
		switch md.MediaName.Media {
		case "audio":
			dir := direction(md)
			if dir != "sendrecv" && dir != "sendonly" {
				return fmt.Errorf("%w: the audio section must send the microphone (sendrecv)", ErrBadOffer)
			}
			if !strings.Contains(strings.ToLower(fmtString(md)), "opus") {
				return fmt.Errorf("%w: the audio section does not offer Opus", ErrBadOffer)
			}
			audio++
		case "application":
			data++
		}
	}
	if audio != 1 {
		return fmt.Errorf("%w: a member sends exactly one audio section (got %d)", ErrBadOffer, audio)
	}
	if data != 1 {
		return fmt.Errorf("%w: the offer needs the \"hearth\" data channel", ErrBadOffer)
	}
	return nil
}

// Join answers a member's offer (microphone up, ducked broadcast down, data channel for events and
// renegotiation) and returns the member's private key (for LeaveByKey) and the answer.
func (r *Room) Join(ctx context.Context, offer, name string) (string, string, error) {
	return r.JoinWith(ctx, JoinRequest{Offer: offer, Name: name})
}

// JoinRequest is a member's (or a host's) request to join the room with a microphone.
type JoinRequest struct {
	Offer string
	// Name is the display name as typed; it is normalised (CleanName) and must not be another
	// live member's.
	Name string
	// Host marks a host of the session: every roster shows them as such.
	Host bool
	// Replaces is the private key of the same person's earlier connection (a rejoin after a drop):
	// that member leaves, so their name is free again.
	Replaces string
}

// JoinWith is Join with the request's options.
func (r *Room) JoinWith(ctx context.Context, req JoinRequest) (string, string, error) {
	offer := req.Offer
	name, err := CleanName(req.Name)
	if err != nil {
		return "", "", err
	}
	if err := checkMemberOffer(offer); err != nil {
		return "", "", err
	}
	if req.Replaces != "" {
		r.LeaveByKey(req.Replaces)
	}
	_, stale := r.nameHolders(name, time.Now())
	for _, m := range stale {
		r.log.Info("a newcomer with the same name replaces a member whose connection is gone", "member", m.id)
		r.Leave(m.id)
	}
	r.mu.Lock()
	switch {
	case r.closed:
		r.mu.Unlock()
		return "", "", ErrClosed
	case r.locked && !req.Host:
		r.mu.Unlock()
		return "", "", ErrLocked
	case len(r.byID) >= r.cfg.MaxMembers:
		r.mu.Unlock()
		return "", "", ErrFull
	}
	err = r.nameFreeLocked(name)
	r.mu.Unlock()
	if err != nil {
		return "", "", err
	}

	stream, err := mix.NewStream()
	if err != nil {
		return "", "", err
	}
	pc, err := r.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", "", err
	}
	m := &member{
		id: newPeerID(), key: newPeerID(), name: name, r: r, pc: pc,
		stream: stream, vad: mix.NewVAD(), frame: make([]float32, 2*960),
		senders: make(map[string]*webrtc.RTPSender), done: make(chan struct{}),
		tokens: 20, tokensAt: time.Now(), host: req.Host,
		nameKey: nameKey(name), joinedAt: time.Now(),
	}
	m.live.Store(true)
	fail := func(err error) (string, string, error) {
		pc.Close()
		return "", "", err
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() != webrtc.RTPCodecTypeAudio {
			return
		}
		m.mu.Lock()
		if m.fwd != nil || m.closed {
			m.mu.Unlock()
			return
		}
		fwd, err := webrtc.NewTrackLocalStaticRTP(opusCapability, "mic", m.id)
		if err != nil {
			m.mu.Unlock()
			return
		}
		m.fwd = fwd
		m.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.readMic(m, tr)
		}()
		r.forwardToOthers(m)
	})
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		if dc.Label() != "hearth" {
			dc.Close()
			return
		}
		m.mu.Lock()
		m.dc = dc
		m.mu.Unlock()
		dc.SetBufferedAmountLowThreshold(maxBuffered / 2)
		dc.OnOpen(func() { r.memberReady(m) })
		dc.OnMessage(func(msg webrtc.DataChannelMessage) { r.handleMessage(m, msg) })
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(fmt.Errorf("%w: %v", ErrBadOffer, err))
	}
	sender, err := pc.AddTrack(r.memberTrack)
	if err != nil {
		return fail(err)
	}
	var videoSender *webrtc.RTPSender
	v := r.videoTrack()
	if v != nil && offersVideo(offer) {
		if videoSender, err = pc.AddTrack(v.track); err != nil {
			return fail(err)
		}
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

	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return fail(ErrClosed)
	}
	// Checked again: someone with the same name may have joined while this answer was prepared.
	if err := r.nameFreeLocked(name); err != nil {
		r.mu.Unlock()
		return fail(err)
	}
	// The room-wide hold as it is now: Configure changes it and lists the members under r.mu, so
	// a member added here is either in its list or sees its new value.
	m.holdRoom(r.micsLocked)
	r.byID[m.id] = m
	r.addMemberLocked(m)
	r.wg.Add(2 + goroutines(videoSender))
	r.mu.Unlock()

	r.watch(pc, sender, m.done, func() { r.Leave(m.id) }, "member", m.id, r.watchVideo(videoSender, v))
	r.log.Info("member joined", "member", m.id, "members", r.Members())
	r.stateChanged()
	return m.key, stereoOpus(pc.LocalDescription().SDP), nil
}

func readRTCP(s *webrtc.RTPSender) {
	for {
		if _, _, err := s.ReadRTCP(); err != nil {
			return
		}
	}
}

// addMemberLocked publishes a member list with m at its end. The list is in join order (so the
// roster keeps its places from one state to the next) and copy-on-write: the pacing goroutine and
// the fan-out keep the list they loaded while a new one replaces it. r.mu serialises writers.
func (r *Room) addMemberLocked(m *member) {
	old := *r.members.Load()
	list := make([]*member, len(old), len(old)+1)
	copy(list, old)
	list = append(list, m)
	r.members.Store(&list)
}

// removeMemberLocked publishes a member list without the member id, the others in their order.
func (r *Room) removeMemberLocked(id string) {
	old := *r.members.Load()
	list := make([]*member, 0, len(old))
	for _, o := range old {
		if o.id != id {
			list = append(list, o)
		}
	}
	r.members.Store(&list)
}

// Members returns how many members are in the room.
func (r *Room) Members() int { return len(*r.members.Load()) }

// readMic reads a member's microphone: valid Opus is forwarded to the other members as received
// (header extensions stripped, since their ids were negotiated with the sender only) and handed to
// the listeners' mix; anything else is dropped and counted.
func (r *Room) readMic(m *member, tr *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil || !validOpus(pkt.Payload) {
			if m.garbage.Add(1)%500 == 1 {
				r.log.Warn("dropping malformed audio from member", "member", m.id, "count", m.garbage.Load())
			}
			continue
		}
		if !m.live.Load() {
			continue
		}
		m.stream.Push(pkt.SequenceNumber, pkt.Timestamp, pkt.Payload)
		pkt.Header.Extension = false
		pkt.Header.Extensions = nil
		pkt.Header.ExtensionProfile = 0
		_ = m.fwd.WriteRTP(&pkt)
		m.forwarded.Add(1)
	}
}

// validOpus checks an RTP payload against the Opus packet framing rules of RFC 6716 section 3,
// so garbage is not forwarded to browsers. An empty payload (DTX) is valid.
func validOpus(p []byte) bool {
	if len(p) == 0 {
		return true
	}
	if len(p) > 1275*3+7 {
		return false
	}
	body := len(p) - 1
	switch p[0] & 3 {
	case 0:
		return body <= 1275
	case 1:
		return body%2 == 0 && body/2 <= 1275
	case 2:
		if body < 1 {
			return false
		}
		n, size := int(p[1]), 1
		if n >= 252 {
			if body < 2 {
				return false
			}
			n += 4 * int(p[2])
			size = 2
		}
		return n <= body-size && body-size-n <= 1275
	default:
		if body < 1 {
			return false
		}
		count := int(p[1] & 0x3f)
		return count > 0 && count <= 48
	}
}

// forwardToOthers adds a new member's microphone to every other member's connection.
func (r *Room) forwardToOthers(m *member) {
	for _, o := range *r.members.Load() {
		if o != m {
			o.addForward(m)
		}
	}
}

// addForward adds other's microphone track to m's connection and renegotiates.
func (m *member) addForward(other *member) {
	other.mu.Lock()
	fwd := other.fwd
	other.mu.Unlock()
	if fwd == nil {
		return
	}
	m.mu.Lock()
	if m.closed || m.senders[other.id] != nil {
		m.mu.Unlock()
		return
	}
	s, err := m.pc.AddTrack(fwd)
	if err != nil {
		m.mu.Unlock()
		// Usually the member is leaving and their connection already closed.
		m.r.log.Debug("forward track", "to", m.id, "from", other.id, "err", err)
		return
	}
	m.senders[other.id] = s
	m.mu.Unlock()
	m.r.wg.Add(1)
	go func() {
		defer m.r.wg.Done()
		readRTCP(s)
	}()
	m.negotiate()
}

// removeForward takes a departed member's track off m's connection.
func (m *member) removeForward(otherID string) {
	m.mu.Lock()
	s := m.senders[otherID]
	delete(m.senders, otherID)
	closed := m.closed
	m.mu.Unlock()
	if s == nil || closed {
		return
	}
	_ = m.pc.RemoveTrack(s)
	m.negotiate()
}

// memberReady runs when a member's data channel opens: greet them, send the state, and add the
// microphones of everyone already in the room.
func (r *Room) memberReady(m *member) {
	m.mu.Lock()
	m.dcOpen = true
	m.mu.Unlock()
	you := m.json()
	m.send(message{Type: "welcome", You: &you})
	m.mu.Lock()
	held := m.mic.held()
	m.mu.Unlock()
	if held {
		// Joined during a hold: the page locks its microphone button until the release.
		m.send(mutedMessage(true, true))
	}
	b, _ := json.Marshal(r.stateMessage())
	m.sendRaw(b)
	if c := r.lastCaption(); c != nil {
		m.sendRaw(c)
	}
	for _, o := range *r.members.Load() {
		if o != m {
			m.addForward(o)
		}
	}
	m.mu.Lock()
	pending := m.negPending && !m.negotiating
	m.mu.Unlock()
	if pending {
		m.negotiate()
	}
}

// negotiate sends the member a new offer over the data channel, one at a time: changes made while
// an offer is out are folded into the next one.
func (m *member) negotiate() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	if m.negotiating || !m.dcOpen {
		m.negPending = true
		m.mu.Unlock()
		return
	}
	m.negotiating = true
	m.negPending = false
	m.mu.Unlock()
	offer, err := m.pc.CreateOffer(nil)
	if err == nil {
		err = m.pc.SetLocalDescription(offer)
	}
	if err != nil {
		m.r.log.Warn("renegotiation offer", "member", m.id, "err", err)
		m.mu.Lock()
		m.negotiating = false
		m.mu.Unlock()
		return
	}
	m.mu.Lock()
	m.negTimer = time.AfterFunc(answerTimeout, func() {
		m.r.log.Info("member did not answer a renegotiation; removing", "member", m.id)
		m.r.Leave(m.id)
	})
	m.mu.Unlock()
	m.send(message{Type: "offer", SDP: stereoOpus(m.pc.LocalDescription().SDP)})
}

func (m *member) answered(sdpText string) error {
	m.mu.Lock()
	if !m.negotiating {
		m.mu.Unlock()
		return fmt.Errorf("%w: no offer is waiting for an answer", ErrNotAllowed)
	}
	if m.negTimer != nil {
		m.negTimer.Stop()
	}
	m.mu.Unlock()
	err := m.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdpText})
	m.mu.Lock()
	m.negotiating = false
	again := m.negPending
	m.mu.Unlock()
	if err != nil {
		m.r.log.Warn("bad renegotiation answer; removing member", "member", m.id, "err", err)
		go m.r.Leave(m.id)
		return err
	}
	if again {
		m.negotiate()
	}
	return nil
}

func (m *member) send(msg message) {
	b, err := json.Marshal(msg)
	if err == nil {
		m.sendRaw(b)
	}
}

// sendRaw sends on the member's data channel, dropping the message if the member is not reading
// fast enough: events must never hold up the room.
func (m *member) sendRaw(b []byte) {
	m.mu.Lock()
	dc, open := m.dc, m.dcOpen && !m.closed
	m.mu.Unlock()
	if !open || dc.BufferedAmount() > maxBuffered {
		return
	}
	_ = dc.SendText(string(b))
}

// buffered is how much the member's data channel has not yet handed to the transport.
func (m *member) buffered() uint64 {
	m.mu.Lock()
	dc := m.dc
	m.mu.Unlock()
	if dc == nil {
		return 0
	}
	return dc.BufferedAmount()
}

// allow is a token bucket: 10 messages a second, bursts of 20.
func (m *member) allow(now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens = min(20, m.tokens+now.Sub(m.tokensAt).Seconds()*10)
	m.tokensAt = now
	if m.tokens < 1 {
		return false
	}
	m.tokens--
	return true
}

type inbound struct {
	Type   string `json:"type"`
	SDP    string `json:"sdp"`
	Muted  *bool  `json:"muted"`
	Raised *bool  `json:"raised"`
	Kind   string `json:"kind"`
}

// handleMessage acts on one data-channel message from a member. Oversized, malformed, unknown or
// too frequent messages get an error reply; the connection stays.
func (r *Room) handleMessage(m *member, raw webrtc.DataChannelMessage) {
	if len(raw.Data) > MaxOfferBytes {
		m.send(message{Type: "error", Error: "message too large"})
		return
	}
	var in inbound
	if err := json.Unmarshal(raw.Data, &in); err != nil {
		m.send(message{Type: "error", Error: "malformed message"})
		return
	}
	if len(raw.Data) > maxMessage && in.Type != "answer" {
		m.send(message{Type: "error", Error: "message too large"})
		return
	}
	if in.Type != "answer" && !m.allow(time.Now()) {
		m.send(message{Type: "error", Error: "too many messages; slow down"})
		return
	}
	switch in.Type {
	case "answer":
		if err := m.answered(in.SDP); err != nil {
			m.send(message{Type: "error", Error: err.Error()})
		}
	case "mute":
		if in.Muted == nil {
			m.send(message{Type: "error", Error: "mute needs \"muted\""})
			return
		}
		if err := r.selfMute(m, *in.Muted); err != nil {
			m.send(message{Type: "error", Error: err.Error()})
		}
	case "hand":
		if in.Raised == nil {
			m.send(message{Type: "error", Error: "hand needs \"raised\""})
			return
		}
		m.raiseHand(*in.Raised, time.Now())
		r.stateChanged()
	case "reaction":
		if in.Kind != "candle" && in.Kind != "heart" {
			m.send(message{Type: "error", Error: "unknown reaction"})
			return
		}
		m.mu.Lock()
		ok := time.Since(m.lastReact) >= time.Second
		if ok {
			m.lastReact = time.Now()
		}
		m.mu.Unlock()
		if !ok {
			m.send(message{Type: "error", Error: "one reaction a second, please"})
			return
		}
		r.broadcast(message{Type: "reaction", Kind: in.Kind, Name: m.name})
	default:
		m.send(message{Type: "error", Error: "unknown message type"})
	}
}

// Leave removes a member: their connection closes and their track leaves everyone else's.
func (r *Room) Leave(id string) bool {
	r.mu.Lock()
	m, ok := r.byID[id]
	delete(r.byID, id)
	if ok {
		r.removeMemberLocked(id)
	}
	r.mu.Unlock()
	if !ok {
		return false
	}
	m.close()
	for _, o := range *r.members.Load() {
		o.removeForward(id)
	}
	r.log.Info("member left", "member", id, "members", r.Members(), "garbage", m.garbage.Load())
	r.stateChanged()
	return true
}

func (m *member) close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	if m.negTimer != nil {
		m.negTimer.Stop()
	}
	m.mu.Unlock()
	close(m.done)
	m.pc.Close()
}

// LeaveByKey is a member leaving with their private key.
func (r *Room) LeaveByKey(key string) bool {
	var id string
	for _, m := range *r.members.Load() {
		if subtleEqual(m.key, key) {
			id = m.id
		}
	}
	return id != "" && r.Leave(id)
}

func subtleEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// Remove removes a member at the host's request, telling them first.
func (r *Room) Remove(id string) bool {
	r.mu.Lock()
	m, isMember := r.byID[id]
	r.mu.Unlock()
	if isMember {
		m.send(message{Type: "removed"})
		// Let the message leave before the connection closes. If the member leaves by themselves
		// meanwhile, they are gone all the same.
		time.Sleep(50 * time.Millisecond)
		r.Leave(id)
		return true
	}
	return r.removeListener(id)
}

// Roster returns the members as JSON-ready values.
func (r *Room) Roster() any { return r.stateMessage().Roster }
