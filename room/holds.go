package room

import (
	"fmt"
	"time"
)

// mic is who keeps a member's microphone off. Three parties may: the member themselves, the host
// holding this one member, and the room-wide hold (the host's "Quiet room", or a program part
// with microphones muted). Each releases only its own hold, so the end of the room-wide hold does
// not free a member the host muted individually. The room-wide hold is for members only: a host
// in the room (guiding a meditation while everyone else is held) is never held by it.
type mic struct {
	own  bool // the member turned their microphone off (or has not turned it on since a hold)
	host bool // the host holds this member's microphone
	room bool // the room-wide hold
}

// held reports whether the host side keeps the microphone off.
func (s mic) held() bool { return s.host || s.room }

// muted reports whether the member's audio reaches no one.
func (s mic) muted() bool { return s.own || s.held() }

// mutedMessage is the "muted" event: byHost for the host side's holds and their releases, not for
// the echo of the member's own choice.
func mutedMessage(muted, byHost bool) message {
	return message{Type: "muted", Muted: &muted, ByHost: &byHost}
}

// errHeld refuses a member's unmute while the host side holds their microphone.
var errHeld = fmt.Errorf("%w: the host has muted microphones for now", ErrNotAllowed)

// setMic is the one place a member's microphone state changes: change edits who holds it (and may
// refuse), and setMic derives the rest. A hold that begins turns the member's own switch off too,
// so the end of a hold never turns a microphone on: the member taps it. The media path learns at
// once (live); the member is told when the host side's hold begins or ends ("by_host": true), and
// gets an echo of their own choice ("by_host": false) when self is set.
func (m *member) setMic(change func(*mic) error, self bool) error {
	m.mu.Lock()
	before := m.mic
	next := before
	if err := change(&next); err != nil {
		m.mu.Unlock()
		return err
	}
	if next.held() && !before.held() {
		next.own = true
	}
	m.mic = next
	m.live.Store(!next.muted())
	m.mu.Unlock()

	if next.muted() && !before.muted() {
		// Nothing already queued from the microphone may reach the mix after the mute.
		m.stream.Reset()
	}
	switch {
	case next.held() != before.held():
		m.send(mutedMessage(next.held(), true))
	case self:
		m.send(mutedMessage(next.own, false))
	}
	if next.muted() != before.muted() {
		m.r.stateChanged()
	}
	return nil
}

// roomHold is whether the room-wide hold, on or off, holds this member: never a host.
func (m *member) roomHold(on bool) bool { return on && !m.host }

// holdRoom sets the room-wide hold on a member not yet in the room (nobody to tell).
func (m *member) holdRoom(on bool) {
	on = m.roomHold(on)
	m.mu.Lock()
	m.mic.room = on
	if on {
		m.mic.own = true
	}
	m.live.Store(!m.mic.muted())
	m.mu.Unlock()
}

// selfMute is the member switching their own microphone; switching it on is refused while the
// host side holds it.
func (r *Room) selfMute(m *member, muted bool) error {
	return m.setMic(func(s *mic) error {
		if !muted && s.held() {
			return errHeld
		}
		s.own = muted
		return nil
	}, true)
}

// Mute is the host holding one member's microphone (their audio stops reaching anyone at once) or
// releasing that hold. A release lets the member unmute; it does not unmute them, and the
// room-wide hold, if on, still holds them.
func (r *Room) Mute(id string, muted bool) error {
	m, ok := r.member(id)
	if !ok {
		return ErrNoPeer
	}
	return m.setMic(func(s *mic) error { s.host = muted; return nil }, false)
}

// member returns the member with the public id.
func (r *Room) member(id string) (*member, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.byID[id]
	return m, ok
}

// raiseHand records the member's hand, and when it went up (the host sees hands in that order).
func (m *member) raiseHand(up bool, now time.Time) {
	m.mu.Lock()
	if up && !m.hand {
		m.handAt = now
	}
	m.hand = up
	m.mu.Unlock()
}

// LowerHand is the host lowering a member's raised hand; the member is told it was the host.
func (r *Room) LowerHand(id string) error {
	m, ok := r.member(id)
	if !ok {
		return ErrNoPeer
	}
	m.raiseHand(false, time.Time{})
	raised, byHost := false, true
	m.send(message{Type: "hand", Raised: &raised, ByHost: &byHost})
	r.stateChanged()
	return nil
}

// Configure applies the host's room settings. MicsLocked is the room-wide hold: switching it on
// mutes every member (hosts in the room excepted) and keeps them muted; switching it off releases
// that hold only.
func (r *Room) Configure(s Settings) {
	r.configMu.Lock()
	defer r.configMu.Unlock()
	r.mu.Lock()
	r.locked = s.Locked
	changedMics := r.micsLocked != s.MicsLocked
	r.micsLocked = s.MicsLocked
	members := *r.members.Load()
	r.mu.Unlock()
	r.ducking.Store(s.Ducking)
	if changedMics {
		for _, m := range members {
			on := m.roomHold(s.MicsLocked)
			_ = m.setMic(func(st *mic) error { st.room = on; return nil }, false)
		}
	}
	r.stateChanged()
}

// Settings returns the room's current settings.
func (r *Room) Settings() Settings {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Settings{Locked: r.locked, MicsLocked: r.micsLocked, Ducking: r.ducking.Load()}
}
