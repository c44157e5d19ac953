package room

import (
	"encoding/json"
	"sync"
	"time"
)

// message is every event the room sends, to members over their data channel and to listeners as
// server-sent events. Fields are omitted when empty so each type carries only its own.
type message struct {
	Type       string       `json:"type"`
	You        *memberJSON  `json:"you,omitempty"`
	SDP        string       `json:"sdp,omitempty"`
	Roster     []memberJSON `json:"roster,omitempty"`
	Listeners  *int         `json:"listeners,omitempty"`
	Room       *Settings    `json:"room,omitempty"`
	NowPlaying any          `json:"now_playing,omitempty"`
	IDs        []string     `json:"ids"`
	Kind       string       `json:"kind,omitempty"`
	Name       string       `json:"name,omitempty"`
	Muted      *bool        `json:"muted,omitempty"`
	Raised     *bool        `json:"raised,omitempty"`
	ByHost     *bool        `json:"by_host,omitempty"`
	Error      string       `json:"error,omitempty"`
	Text       string       `json:"text,omitempty"`
}

// MarshalJSON drops the ids field from messages that are not about speaking.
func (m message) MarshalJSON() ([]byte, error) {
	type plain message
	if m.Type == "speaking" {
		if m.IDs == nil {
			m.IDs = []string{}
		}
		return json.Marshal(plain(m))
	}
	type noIDs struct {
		plain
		IDs []string `json:"ids,omitempty"`
	}
	return json.Marshal(noIDs{plain: plain(m)})
}

type memberJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Host marks a host of the session in the room.
	Host     bool `json:"host"`
	Muted    bool `json:"muted"`
	Hand     bool `json:"hand"`
	Speaking bool `json:"speaking"`
	// HandAt is when the hand went up (Unix milliseconds), 0 when it is down: pages order raised
	// hands by it.
	HandAt int64 `json:"hand_at"`
}

// Settings are the host's switches for the room.
type Settings struct {
	Locked     bool `json:"locked"`
	MicsLocked bool `json:"mics_locked"`
	Ducking    bool `json:"ducking"`
}

// hub fans events out to server-sent-event subscribers. A slow subscriber loses events rather
// than holding anyone up.
type hub struct {
	mu     sync.Mutex
	subs   map[chan []byte]struct{}
	closed bool
}

func newHub() *hub { return &hub{subs: make(map[chan []byte]struct{})} }

func (h *hub) subscribe() (chan []byte, func()) {
	ch := make(chan []byte, 32)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(ch)
		return ch, func() {}
	}
	h.subs[ch] = struct{}{}
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
	}
}

func (h *hub) publish(b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- b:
		default:
		}
	}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}

// Subscribe returns a channel of JSON events for a listener (state, speaking, reaction, ended) and
// a function to stop. The channel is closed when the room closes.
func (r *Room) Subscribe() (<-chan []byte, func()) {
	ch, cancel := r.events.subscribe()
	if b, err := json.Marshal(r.stateMessage()); err == nil {
		select {
		case ch <- b:
		default:
		}
	}
	if b := r.lastCaption(); b != nil {
		select {
		case ch <- b:
		default:
		}
	}
	return ch, cancel
}

// SetNowPlaying gives the room a way to describe what is playing, for state messages.
func (r *Room) SetNowPlaying(f func() any) {
	r.mu.Lock()
	r.nowPlaying = f
	r.mu.Unlock()
}

// broadcast sends a message to every member's data channel and every event subscriber.
func (r *Room) broadcast(msg message) {
	b, err := json.Marshal(msg)
	if err != nil {
		return
	}
	for _, m := range *r.members.Load() {
		m.sendRaw(b)
	}
	r.events.publish(b)
}

func (r *Room) stateMessage() message {
	r.mu.Lock()
	np := r.nowPlaying
	st := Settings{Locked: r.locked, MicsLocked: r.micsLocked, Ducking: r.ducking.Load()}
	listeners := len(r.peers)
	r.mu.Unlock()
	roster := []memberJSON{}
	for _, m := range *r.members.Load() {
		roster = append(roster, m.json())
	}
	msg := message{Type: "state", Roster: roster, Listeners: &listeners, Room: &st}
	if np != nil {
		msg.NowPlaying = np()
	}
	return msg
}

// NotifyState tells everyone the room's state changed (e.g. what is playing).
func (r *Room) NotifyState() { r.stateChanged() }

// stateChanged sends the state to everyone, coalescing bursts: at most four states a second.
func (r *Room) stateChanged() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	r.stateMu.Lock()
	if r.statePending {
		r.stateMu.Unlock()
		return
	}
	wait := 250*time.Millisecond - time.Since(r.stateSent)
	if wait <= 0 {
		r.stateSent = time.Now()
		r.stateMu.Unlock()
		r.broadcast(r.stateMessage())
		return
	}
	r.statePending = true
	r.stateMu.Unlock()
	time.AfterFunc(wait, func() {
		r.stateMu.Lock()
		r.statePending = false
		r.stateSent = time.Now()
		r.stateMu.Unlock()
		r.broadcast(r.stateMessage())
	})
}
