package room

import (
	"context"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// joinMember joins a pion member to the room and waits for its data channel.
func joinMember(t *testing.T, ctx context.Context, r *Room, name string) (*testpeer.Member, string) {
	t.Helper()
	return joinAs(t, ctx, r, JoinRequest{Name: name})
}

// joinAs joins a pion peer with the request's options (its offer filled in) and waits until the
// server's welcome has arrived.
func joinAs(t *testing.T, ctx context.Context, r *Room, req JoinRequest) (*testpeer.Member, string) {
	t.Helper()
	m, offer, err := testpeer.NewMember()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	req.Offer = offer
	key, answer, err := r.JoinWith(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Accept(answer); err != nil {
		t.Fatal(err)
	}
	if err := m.WaitOpen(ctx); err != nil {
		t.Fatal(err)
	}
	// The server's side of the channel is open once its welcome arrives; only then do messages
	// sent to the member reach it.
	memberID(t, m)
	return m, key
}

func joinListener(t *testing.T, ctx context.Context, r *Room) *testpeer.Listener {
	t.Helper()
	l, offer, err := testpeer.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	_, answer, err := r.AddListener(ctx, offer)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Accept(answer); err != nil {
		t.Fatal(err)
	}
	return l
}

// memberID returns the member's id from the server's welcome, which follows the data channel's
// opening by a moment.
func memberID(t *testing.T, m *testpeer.Member) string {
	t.Helper()
	waitFor(t, "welcome message", 3*time.Second, func() bool { return len(m.Messages("welcome")) > 0 })
	return m.Messages("welcome")[0]["you"].(map[string]any)["id"].(string)
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// levels returns the level of freq in consecutive 100 ms windows of what a listener heard, with
// the arrival time of each window.
func levels(l *testpeer.Listener, freq float64) ([]float64, []time.Time) {
	pcm, at, off := l.PCMAt()
	var lv []float64
	var ts []time.Time
	for i := 0; i+5 <= len(off); i += 5 {
		a, b := off[i], off[i]+4800
		if b > len(pcm) {
			break
		}
		lv = append(lv, testpeer.ToneLevel(pcm[a:b], freq, 48000))
		ts = append(ts, at[i])
	}
	return lv, ts
}

// TestListenerMixAndDucking: a WHEP listener's decoded mix holds the broadcast tone and a member's
// tone; while the member's tone plays the broadcast is at least 10 dB lower, and it recovers after.
func TestListenerMixAndDucking(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	l := joinListener(t, ctx, r)
	m, _ := joinMember(t, ctx, r, "Ana")
	if err := l.WaitPackets(ctx, 50); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	before := time.Now()
	if err := m.SendTone(660, -10, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	m.StopTone()
	stopped := time.Now()
	time.Sleep(2500 * time.Millisecond)

	b, ts := levels(l, 440)
	v, _ := levels(l, 660)
	var base, ducked, after []float64
	var voice float64 = -200
	for i := range b {
		switch {
		case ts[i].Before(before):
			base = append(base, b[i])
		case ts[i].After(before.Add(500*time.Millisecond)) && ts[i].Before(stopped):
			ducked = append(ducked, b[i])
			voice = math.Max(voice, v[i])
		case ts[i].After(stopped.Add(1500 * time.Millisecond)):
			after = append(after, b[i])
		}
	}
	if len(base) < 3 || len(ducked) < 5 || len(after) < 3 {
		t.Fatalf("too little audio: %d/%d/%d windows", len(base), len(ducked), len(after))
	}
	b0, d, a := median(base), median(ducked), median(after)
	t.Logf("broadcast 440 Hz: %.1f dB before, %.1f dB while the member speaks, %.1f dB after; member 660 Hz peak %.1f dB", b0, d, a, voice)
	if voice < -30 {
		t.Fatalf("the member's tone is missing from the listeners' mix (%.1f dB)", voice)
	}
	if b0-d < 10 {
		t.Fatalf("broadcast ducked by only %.1f dB while the member spoke, want >= 10", b0-d)
	}
	if math.Abs(a-b0) > 1.5 {
		t.Fatalf("broadcast did not recover after the member stopped: %.1f dB vs %.1f before", a, b0)
	}
}

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

// TestHostMuteLeavesMixWithin200ms: after the host mutes a member, no window that reached the
// listener more than 200 ms later holds their tone, and the member is told.
func TestHostMuteLeavesMixWithin200ms(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	l := joinListener(t, ctx, r)
	m, _ := joinMember(t, ctx, r, "Ben")
	if err := m.SendTone(660, -10, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	id := memberID(t, m)
	muteAt := time.Now()
	if err := r.Mute(id, true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	// Judge by when the room produced each packet, not when it arrived here.
	v, _ := levels(l, 660)
	produced := testpeer.ProducedAt(l.Packets())
	heardBefore := false
	for i := range v {
		at := produced[5*i]
		if at.Before(muteAt) && v[i] > -30 {
			heardBefore = true
		}
		if at.After(muteAt.Add(200*time.Millisecond)) && v[i] > -40 {
			t.Fatalf("member still in the mix %v after the mute (%.1f dB)", at.Sub(muteAt), v[i])
		}
	}
	if !heardBefore {
		t.Fatal("the member was never heard before the mute")
	}
	waitFor(t, "muted message", 2*time.Second, func() bool { return len(m.Messages("muted")) > 0 })
	// The member cannot unmute themselves while the host has muted them.
	m.Send(map[string]any{"type": "mute", "muted": false})
	waitFor(t, "refusal", 2*time.Second, func() bool { return len(m.Messages("error")) > 0 })
	if err := r.Mute(id, false); err != nil {
		t.Fatal(err)
	}
	m.Send(map[string]any{"type": "mute", "muted": false})
	time.Sleep(300 * time.Millisecond)
	if len(m.Messages("error")) != 1 {
		t.Fatalf("unmuting after the host allowed it was refused: %v", m.Messages("error"))
	}
}

// TestMembersHearEachOther: two members each receive the other's microphone as its own track,
// forwarded without transcoding, after the server renegotiates over the data channel.
func TestMembersHearEachOther(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	a, _ := joinMember(t, ctx, r, "Ana")
	b, _ := joinMember(t, ctx, r, "Ben")
	a.SendTone(600, -10, nil)
	b.SendTone(800, -10, nil)
	aid, bid := memberID(t, a), memberID(t, b)
	waitFor(t, "forwarded tracks", 10*time.Second, func() bool {
		return len(a.Stream(bid)) > 48000*2 && len(b.Stream(aid)) > 48000*2
	})
	for _, c := range []struct {
		who  *testpeer.Member
		from string
		freq float64
	}{{a, bid, 800}, {b, aid, 600}} {
		got := testpeer.Left(c.who.Stream(c.from))
		if f := testpeer.Frequency(got[len(got)-24000:], 48000); math.Abs(f-c.freq) > 2 {
			t.Fatalf("member hears %.1f Hz from the other, want %.0f", f, c.freq)
		}
	}
	// Each also hears the broadcast on the first track.
	bc := testpeer.Left(a.Stream("hearth-test"))
	if len(bc) < 24000 || testpeer.ToneLevel(bc[len(bc)-24000:], 440, 48000) < -40 {
		t.Fatal("member does not hear the broadcast")
	}
	st := a.Messages("state")
	if len(st) == 0 || !strings.Contains(mustMarshal(st[len(st)-1]), "Ben") {
		t.Fatalf("roster never showed the other member: %v", st)
	}
	// When Ben leaves, Ana's connection drops his track (a renegotiation) and the roster updates.
	if !r.Leave(bid) {
		t.Fatal("leave")
	}
	waitFor(t, "roster without Ben", 3*time.Second, func() bool {
		st := a.Messages("state")
		return !strings.Contains(mustMarshal(st[len(st)-1]), "Ben")
	})
}

func TestMemberBadInput(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	_, good, err := testpeer.NewMember()
	if err != nil {
		t.Fatal(err)
	}
	_, listenOnly, _ := testpeer.New()
	offers := map[string]string{
		"garbage":         "nope",
		"no data channel": listenOnly,
		"many tracks":     good + strings.Repeat("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=sendrecv\r\n", 9),
		"oversized":       good + strings.Repeat("a=x:"+strings.Repeat("y", 1000)+"\r\n", 70),
	}
	for name, offer := range offers {
		if _, _, err := r.Join(ctx, offer, "X"); !errorsIs(err, ErrBadOffer) {
			t.Errorf("%s: err %v, want ErrBadOffer", name, err)
		}
	}
	for _, name := range []string{"", "   ", strings.Repeat("x", 41), "bad\x00name"} {
		if _, _, err := r.Join(ctx, good, name); !errorsIs(err, ErrBadName) {
			t.Errorf("name %q: err %v, want ErrBadName", name, err)
		}
	}

	// A member that floods the data channel, sends oversized messages and garbage audio is
	// rate-limited and counted but keeps its connection.
	m, _ := joinMember(t, ctx, r, "Flood")
	for i := 0; i < 100; i++ {
		m.Send(map[string]any{"type": "hand", "raised": i%2 == 0})
	}
	m.DC.SendText(strings.Repeat("x", 10000))
	m.DC.SendText(`{"type":"hand","raised":true,"pad":"` + strings.Repeat("x", 5000) + `"}`)
	m.DC.SendText("{not json")
	m.Send(map[string]any{"type": "reaction", "kind": "candle"})
	m.Send(map[string]any{"type": "reaction", "kind": "candle"})
	m.SendTone(500, -10, func(b []byte) []byte { return []byte{0xff, 0xff, 0xff} }) // code 3, 63 frames: invalid
	waitFor(t, "rate-limit errors", 3*time.Second, func() bool { return len(m.Messages("error")) >= 3 })
	time.Sleep(500 * time.Millisecond)
	id := memberID(t, m)
	var mm *member
	for _, x := range *r.members.Load() {
		if x.id == id {
			mm = x
		}
	}
	if mm == nil {
		t.Fatal("the flooding member was disconnected")
	}
	if mm.garbage.Load() == 0 || mm.forwarded.Load() != 0 {
		t.Fatalf("garbage audio: %d dropped, %d forwarded", mm.garbage.Load(), mm.forwarded.Load())
	}
	if m.PC.ConnectionState().String() != "connected" {
		t.Fatalf("connection %v", m.PC.ConnectionState())
	}
}

func TestLockedRoomAndMicsLocked(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	m, _ := joinMember(t, ctx, r, "Ana")
	r.Configure(Settings{MicsLocked: true, Ducking: true})
	waitFor(t, "muted by host", 2*time.Second, func() bool { return len(m.Messages("muted")) > 0 })
	if (*r.members.Load())[0].live.Load() {
		t.Fatal("mics locked but member not muted")
	}
	r.Configure(Settings{Locked: true, MicsLocked: true, Ducking: true})
	_, offer, _ := testpeer.NewMember()
	if _, _, err := r.Join(ctx, offer, "Late"); !errorsIs(err, ErrLocked) {
		t.Fatalf("join a locked room: %v", err)
	}
}

func TestNoGoroutineLeakAfterMembersLeave(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		r := newTestRoom(t, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		pctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); pump(pctx, r, 440) }()
		var ms []*testpeer.Member
		for _, name := range []string{"A", "B", "C"} {
			m, _ := joinMember(t, ctx, r, name)
			m.SendTone(500, -20, nil)
			ms = append(ms, m)
		}
		waitFor(t, "forwarding", 10*time.Second, func() bool { return len(ms[0].Streams()) >= 3 })
		for _, m := range ms {
			m.Close()
		}
		waitFor(t, "members gone", 20*time.Second, func() bool { return r.Members() == 0 })
		stop()
		<-done
		r.Close()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMemberNeverConnectedIsRemoved covers a member who posts an offer and vanishes before ICE.
func TestMemberNeverConnectedIsRemoved(t *testing.T) {
	r := newTestRoom(t, Config{ConnectTimeout: 300 * time.Millisecond})
	defer r.Close()
	m, offer, err := testpeer.NewMember()
	if err != nil {
		t.Fatal(err)
	}
	m.Close() // never applies the answer
	if _, _, err := r.Join(context.Background(), offer, "Ghost"); err != nil {
		t.Fatal(err)
	}
	if r.Members() != 1 {
		t.Fatal("member not added")
	}
	waitFor(t, "cleanup", 5*time.Second, func() bool { return r.Members() == 0 })
}
