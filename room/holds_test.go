package room

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// mutedEvents lists a member's "muted" messages as "muted/by_host" pairs, e.g. "true/host".
func mutedEvents(m *testpeer.Member) []string {
	var out []string
	for _, msg := range m.Messages("muted") {
		by := "self"
		if msg["by_host"] == true {
			by = "host"
		}
		out = append(out, fmt.Sprintf("%v/%s", msg["muted"], by))
	}
	return out
}

func lastMuted(m *testpeer.Member) string {
	ev := mutedEvents(m)
	if len(ev) == 0 {
		return ""
	}
	return ev[len(ev)-1]
}

// TestQuietRoomHoldAndRelease: "Quiet room" holds every member (by_host true), refuses their
// unmute, and its end releases them with by_host true; the release leaves the microphone off
// until the member turns it on, which is then accepted and reaches a listener's mix.
func TestQuietRoomHoldAndRelease(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	l := joinListener(t, ctx, r)
	m, _ := joinMember(t, ctx, r, "Ana")
	if err := m.SendTone(660, -10, nil); err != nil {
		t.Fatal(err)
	}
	r.Configure(Settings{MicsLocked: true, Ducking: true})
	waitFor(t, "hold", 2*time.Second, func() bool { return lastMuted(m) == "true/host" })
	errs := len(m.Messages("error"))
	m.Send(map[string]any{"type": "mute", "muted": false})
	waitFor(t, "refusal", 2*time.Second, func() bool { return len(m.Messages("error")) == errs+1 })

	r.Configure(Settings{MicsLocked: false, Ducking: true})
	waitFor(t, "release", 2*time.Second, func() bool { return lastMuted(m) == "false/host" })
	mm := (*r.members.Load())[0]
	if mm.live.Load() {
		t.Fatal("the release turned the microphone on by itself")
	}
	unmutedAt := time.Now()
	m.Send(map[string]any{"type": "mute", "muted": false})
	waitFor(t, "unmute echo", 2*time.Second, func() bool { return lastMuted(m) == "false/self" })
	if len(m.Messages("error")) != errs+1 {
		t.Fatalf("unmute after the release refused: %v", m.Messages("error"))
	}
	waitFor(t, "member's tone in the mix", 5*time.Second, func() bool {
		v, ts := levels(l, 660)
		for i := range v {
			if ts[i].After(unmutedAt.Add(200*time.Millisecond)) && v[i] > -30 {
				return true
			}
		}
		return false
	})
}

// TestHostHoldOutlastsQuietRoom: the host mutes one member; Quiet room on and off again does not
// free that member, who is still refused; the host's own release frees them.
func TestHostHoldOutlastsQuietRoom(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	a, _ := joinMember(t, ctx, r, "Ana")
	b, _ := joinMember(t, ctx, r, "Ben")
	aid := memberID(t, a)
	if err := r.Mute(aid, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "host hold", 2*time.Second, func() bool { return lastMuted(a) == "true/host" })
	r.Configure(Settings{MicsLocked: true})
	waitFor(t, "room hold on Ben", 2*time.Second, func() bool { return lastMuted(b) == "true/host" })
	r.Configure(Settings{MicsLocked: false})
	waitFor(t, "room release for Ben", 2*time.Second, func() bool { return lastMuted(b) == "false/host" })
	// Ana got the one hold message and no release.
	if ev := mutedEvents(a); len(ev) != 1 {
		t.Fatalf("Ana's muted messages %v, want only the host's hold", ev)
	}
	errs := len(a.Messages("error"))
	a.Send(map[string]any{"type": "mute", "muted": false})
	waitFor(t, "Ana refused", 2*time.Second, func() bool { return len(a.Messages("error")) == errs+1 })
	if err := r.Mute(aid, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Ana released", 2*time.Second, func() bool { return lastMuted(a) == "false/host" })
	a.Send(map[string]any{"type": "mute", "muted": false})
	waitFor(t, "Ana's unmute echo", 2*time.Second, func() bool { return lastMuted(a) == "false/self" })
	waitFor(t, "roster shows Ana unmuted", 2*time.Second, func() bool {
		st := a.Messages("state")
		for _, e := range st[len(st)-1]["roster"].([]any) {
			if e := e.(map[string]any); e["id"] == aid {
				return e["muted"] == false
			}
		}
		return false
	})
}

// TestJoinDuringHold: a member arriving while Quiet room is on is held from the start and told so.
func TestJoinDuringHold(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	r.Configure(Settings{MicsLocked: true})
	m, _ := joinMember(t, ctx, r, "Late")
	waitFor(t, "hold on arrival", 2*time.Second, func() bool { return lastMuted(m) == "true/host" })
	if (*r.members.Load())[0].live.Load() {
		t.Fatal("a member who joined a quiet room is heard")
	}
	r.Configure(Settings{MicsLocked: false})
	waitFor(t, "release", 2*time.Second, func() bool { return lastMuted(m) == "false/host" })
}

// TestHostLowersHand: the roster orders hands by hand_at; the host lowering a hand tells the
// member with by_host true.
func TestHostLowersHand(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	m, _ := joinMember(t, ctx, r, "Ana")
	id := memberID(t, m)
	m.Send(map[string]any{"type": "hand", "raised": true})
	var at float64
	waitFor(t, "hand up in the roster", 2*time.Second, func() bool {
		st := m.Messages("state")
		e := st[len(st)-1]["roster"].([]any)[0].(map[string]any)
		at, _ = e["hand_at"].(float64)
		return e["hand"] == true && at > 0
	})
	if d := time.Since(time.UnixMilli(int64(at))); d < 0 || d > 5*time.Second {
		t.Fatalf("hand_at %v is not when the hand went up", time.UnixMilli(int64(at)))
	}
	if err := r.LowerHand(id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "hand message", 2*time.Second, func() bool {
		h := m.Messages("hand")
		return len(h) == 1 && h[0]["raised"] == false && h[0]["by_host"] == true
	})
	waitFor(t, "hand down in the roster", 2*time.Second, func() bool {
		st := m.Messages("state")
		e := st[len(st)-1]["roster"].([]any)[0].(map[string]any)
		return e["hand"] == false && e["hand_at"] == float64(0)
	})
}

// joinHost joins a pion peer as a host of the session (as POST /host-join does).
func joinHost(t *testing.T, ctx context.Context, r *Room, name string) *testpeer.Member {
	t.Helper()
	m, _ := joinAs(t, ctx, r, JoinRequest{Name: name, Host: true})
	return m
}

// TestQuietRoomDoesNotHoldTheHost: with Quiet room on, a member is held but a host in the room is
// not: the host is told nothing, their unmute is accepted, and a listener hears the host's tone
// while the member stays held. A host arriving in a quiet room is not held either; the release
// reaches the member only.
func TestQuietRoomDoesNotHoldTheHost(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	l := joinListener(t, ctx, r)
	h := joinHost(t, ctx, r, "Maya")
	m, _ := joinMember(t, ctx, r, "Ana")
	if err := h.SendTone(660, -10, nil); err != nil {
		t.Fatal(err)
	}
	r.Configure(Settings{MicsLocked: true, Ducking: true})
	waitFor(t, "the member's hold", 2*time.Second, func() bool { return lastMuted(m) == "true/host" })
	heldAt := time.Now()

	// The host switches their microphone off and on again during the hold: both are accepted.
	errs := len(h.Messages("error"))
	h.Send(map[string]any{"type": "mute", "muted": true})
	waitFor(t, "host's mute echo", 2*time.Second, func() bool { return lastMuted(h) == "true/self" })
	h.Send(map[string]any{"type": "mute", "muted": false})
	waitFor(t, "host's unmute echo", 2*time.Second, func() bool { return lastMuted(h) == "false/self" })
	if n := len(h.Messages("error")); n != errs {
		t.Fatalf("the host's unmute was refused during Quiet room: %v", h.Messages("error")[errs:])
	}
	waitFor(t, "the host's tone in the mix during the hold", 5*time.Second, func() bool {
		v, ts := levels(l, 660)
		for i := range v {
			if ts[i].After(heldAt.Add(300*time.Millisecond)) && v[i] > -30 {
				return true
			}
		}
		return false
	})
	// The roster shows the host unmuted and the member muted.
	waitFor(t, "roster", 2*time.Second, func() bool {
		st := m.Messages("state")
		muted := map[string]any{}
		for _, e := range st[len(st)-1]["roster"].([]any) {
			e := e.(map[string]any)
			muted[e["name"].(string)] = e["muted"]
		}
		return muted["Maya"] == false && muted["Ana"] == true
	})

	// A second host arriving while the room is quiet is not held.
	h2 := joinHost(t, ctx, r, "Noor")
	h2.Send(map[string]any{"type": "mute", "muted": false})
	waitFor(t, "second host's unmute echo", 2*time.Second, func() bool { return lastMuted(h2) == "false/self" })

	r.Configure(Settings{MicsLocked: false, Ducking: true})
	waitFor(t, "the member's release", 2*time.Second, func() bool { return lastMuted(m) == "false/host" })
	for _, host := range []*testpeer.Member{h, h2} {
		for _, e := range mutedEvents(host) {
			if e != "true/self" && e != "false/self" {
				t.Fatalf("a host got the room's hold or release: %v", mutedEvents(host))
			}
		}
	}
}
