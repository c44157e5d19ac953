package main

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"hearth/internal/testpeer"
	"hearth/internal/vpxdec"
)

// finalizedCollage makes a session with a finalized collage: the photos given (each with a
// caption) over the 14 s beep song, starting in startIn. It returns the session.
func finalizedCollage(t *testing.T, s *testServer, startIn time.Duration, prerender bool, photos ...string) map[string]any {
	t.Helper()
	paths := make([]string, len(photos))
	for i, p := range photos {
		paths[i] = filepath.Join("..", "..", "media", "photo", "testdata", p)
	}
	return finalizedCollageFiles(t, s, startIn, prerender, paths...)
}

// finalizedCollageFiles is finalizedCollage with photos given by path.
func finalizedCollageFiles(t *testing.T, s *testServer, startIn time.Duration, prerender bool, photos ...string) map[string]any {
	t.Helper()
	placeholder := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "For Grandma", time.Now().Add(startIn), false, placeholder)
	s.makeMemorial(t, sess)
	sid, member := sess["id"].(string), sess["member_token"].(string)
	P := "/api/v1/sessions/" + sid + "/collage"
	for i, p := range photos {
		caption := []string{"Grandma at the lake, 1972", "The garden in June"}[i%2]
		if code, m := contribute(t, s, P+"/photos", member, p,
			map[string]string{"caption": caption, "name": "Ana"}); code != 201 {
			t.Fatalf("photo %s: %d %v", p, code, m)
		}
	}
	if code, m := contribute(t, s, P+"/songs", member, fixture("beep7s_14s.mp3"), map[string]string{"name": "Ben"}); code != 201 {
		t.Fatalf("song: %d %v", code, m)
	}
	code, m := s.postJSON(t, P+"/finalize", map[string]any{"prerender": prerender})
	if code != 200 || m["final"] != true {
		t.Fatalf("finalize: %d %v", code, m)
	}
	return sess
}

// yuvAt averages an 8x8 block of a decoded picture around (x, y) and converts it to RGB.
func yuvAt(p vpxdec.Picture, x, y int) (r, g, b float64) {
	var sy, su, sv float64
	W, H := p.Width, p.Height
	for dy := -4; dy < 4; dy++ {
		for dx := -4; dx < 4; dx++ {
			px, py := x+dx, y+dy
			sy += float64(p.I420[py*W+px])
			ci := (py/2)*(W/2) + px/2
			su += float64(p.I420[W*H+ci])
			sv += float64(p.I420[W*H+(W/2)*(H/2)+ci])
		}
	}
	Y, U, V := sy/64-16, su/64-128, sv/64-128
	return 1.164*Y + 1.596*V, 1.164*Y - 0.392*U - 0.813*V, 1.164*Y + 2.017*U
}

// TestCollageVideoOverWHEP: a WHEP player over loopback receives the collage as VP8; a decoded
// frame shows the member's phone photo (stored rotated, EXIF orientation 6) the right way up,
// quadrant by quadrant; a second player arriving later gets a keyframe at once, and a PLI is
// answered with one.
func TestCollageVideoOverWHEP(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	sess := finalizedCollage(t, s, 2*time.Second, false, "orient6.jpg")
	sid, listen := sess["id"].(string), sess["listener_token"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()

	// The room reopens with the collage after finalizing; wait until it has video.
	var l *testpeer.Listener
	for {
		var err error
		l, _, err = testpeer.DialWHEPVideo(ctx, s.URL+"/whep/"+sid, listen)
		if err != nil {
			t.Fatal(err)
		}
		if hasVideo(l) {
			break
		}
		l.Close()
		select {
		case <-ctx.Done():
			t.Fatal("the room never offered video")
		case <-time.After(200 * time.Millisecond):
		}
	}
	defer l.Close()
	// The first photo is fully in from 1.5 s of the show; wait until well past that.
	deadline := time.Now().Add(25 * time.Second)
	var frames []testpeer.VideoFrame
	for time.Now().Before(deadline) {
		frames = l.VideoFrames()
		if len(frames) > 0 && frames[len(frames)-1].Arrival.Sub(frames[0].Arrival) > 3500*time.Millisecond {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(frames) < 30 || !frames[0].Key {
		t.Fatalf("%d frames received; first keyframe %v", len(frames), len(frames) > 0 && frames[0].Key)
	}
	dec, err := vpxdec.New()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var pic vpxdec.Picture
	for i, f := range frames {
		if pic, err = dec.Decode(f.Data); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if pic.Width != 1280 || pic.Height != 720 {
		t.Fatalf("picture %dx%d, want 1280x720", pic.Width, pic.Height)
	}
	// The card: red top-left, green top-right, blue bottom-left, yellow bottom-right.
	want := [4][3]float64{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}}
	for q, pt := range [4][2]int{{320, 180}, {960, 180}, {320, 540}, {960, 540}} {
		r, g, b := yuvAt(pic, pt[0], pt[1])
		w := want[q]
		if abs(r-w[0]) > 60 || abs(g-w[1]) > 60 || abs(b-w[2]) > 60 {
			t.Errorf("quadrant %d at %v: rgb(%.0f, %.0f, %.0f), want about %v: the photo is not upright", q, pt, r, g, b, w)
		}
	}

	// A second player: how long until its first keyframe.
	began := time.Now()
	l2, _, err := testpeer.DialWHEPVideo(ctx, s.URL+"/whep/"+sid, listen)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	for len(l2.VideoFrames()) == 0 {
		if ctx.Err() != nil {
			t.Fatal("the second player got no picture")
		}
		time.Sleep(5 * time.Millisecond)
	}
	first := l2.VideoFrames()[0]
	t.Logf("second player: first picture (a keyframe: %v) %v after its offer was posted", first.Key, first.Arrival.Sub(began))
	if !first.Key {
		t.Error("the second player's first frame is not a keyframe")
	}

	// A PLI brings a keyframe well before the periodic one (every 2 s).
	time.Sleep(300 * time.Millisecond)
	n := len(l2.VideoFrames())
	sent := time.Now()
	if err := l2.SendPLI(); err != nil {
		t.Fatal(err)
	}
	for {
		fs := l2.VideoFrames()
		if k := firstKey(fs[n:]); k != nil {
			t.Logf("keyframe %v after the PLI", k.Arrival.Sub(sent))
			if k.Arrival.Sub(sent) > 500*time.Millisecond {
				t.Errorf("keyframe came %v after the PLI", k.Arrival.Sub(sent))
			}
			break
		}
		if time.Since(sent) > 3*time.Second {
			t.Fatal("no keyframe after a PLI")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func firstKey(fs []testpeer.VideoFrame) *testpeer.VideoFrame {
	for i := range fs {
		if fs[i].Key {
			return &fs[i]
		}
	}
	return nil
}

// hasVideo reports whether the answer sends the player video.
func hasVideo(l *testpeer.Listener) bool {
	rd := l.PC.RemoteDescription()
	if rd == nil {
		return false
	}
	i := strings.Index(rd.SDP, "m=video")
	return i >= 0 && strings.Contains(rd.SDP[i:], "a=sendonly")
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestCollagePrerendered finalizes with pre-rendering: the dashboard's progress goes from
// rendering to ready, the live room then reads the recording instead of drawing, and a WHEP player
// decodes the picture; once the session has begun the collage cannot be reopened.
func TestCollagePrerendered(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	sess := finalizedCollage(t, s, 10*time.Second, true, "orient6.jpg", "phone_gps.jpg")
	sid, listen := sess["id"].(string), sess["listener_token"].(string)
	// The 14 s song loops, so the room is still open whenever the recording is done (on a busy
	// machine recording can take longer than the session would last).
	if code, m := s.postJSON(t, "/api/v1/sessions/"+sid+"/control", map[string]any{"action": "loop", "loop": true}); code != http.StatusOK {
		t.Fatalf("loop: %d %v", code, m)
	}
	P := "/api/v1/sessions/" + sid + "/collage"
	var states []string
	var progress []float64
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, m, _ := s.do(t, http.MethodGet, P, testAdminToken, "", nil)
		if code != 200 || m["final"] != true {
			t.Fatalf("collage: %d %v", code, m)
		}
		r := m["render"].(map[string]any)
		st := r["state"].(string)
		if len(states) == 0 || states[len(states)-1] != st {
			states = append(states, st)
		}
		progress = append(progress, r["progress"].(float64))
		if st == "ready" || st == "failed" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if states[len(states)-1] != "ready" || !slices.Contains(states, "rendering") {
		t.Fatalf("render states %v", states)
	}
	if !slices.IsSorted(progress) || progress[len(progress)-1] != 1 {
		t.Errorf("progress went %v", progress)
	}
	mid := 0
	for _, p := range progress {
		if p > 0 && p < 1 {
			mid++
		}
	}
	t.Logf("render states %v, %d progress readings between 0 and 1", states, mid)
	recs, _ := filepath.Glob(filepath.Join(s.Data, "recordings", sid+"-*.ivf"))
	if len(recs) != 1 {
		t.Fatalf("recordings %v", recs)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	for !strings.Contains(s.out.String(), "the room now reads it") && !strings.Contains(s.out.String(), "recorded=true") {
		if ctx.Err() != nil {
			t.Fatal("the room never took up the recording")
		}
		time.Sleep(50 * time.Millisecond)
	}
	l, _, err := testpeer.DialWHEPVideo(ctx, s.URL+"/whep/"+sid, listen)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Past the start (10 s after finalizing), frames come from the recording.
	for len(l.VideoFrames()) < 60 {
		if ctx.Err() != nil {
			t.Fatalf("only %d frames", len(l.VideoFrames()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	dec, _ := vpxdec.New()
	defer dec.Close()
	for i, f := range l.VideoFrames() {
		if _, err := dec.Decode(f.Data); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	// Once the session has begun the collage can no longer be reopened for changes.
	if code, m := s.postJSON(t, P+"/lock", map[string]any{"locked": false}); code != 409 {
		t.Fatalf("reopen after the start: %d %v", code, m)
	}
}
