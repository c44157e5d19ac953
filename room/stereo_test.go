package room

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pion/sdp/v3"

	"hearth/internal/testpeer"
)

// opusFmtps parses an SDP and returns the fmtp parameters of the Opus format of each audio section.
func opusFmtps(t *testing.T, text string) []map[string]string {
	t.Helper()
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(text); err != nil {
		t.Fatalf("the SDP does not parse: %v\n%s", err, text)
	}
	var out []map[string]string
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		pt := ""
		for _, a := range md.Attributes {
			if a.Key == "rtpmap" && strings.Contains(strings.ToLower(a.Value), " opus/") {
				pt, _, _ = strings.Cut(a.Value, " ")
			}
		}
		params := map[string]string{}
		for _, a := range md.Attributes {
			if p, rest, _ := strings.Cut(a.Value, " "); a.Key == "fmtp" && p == pt {
				for _, kv := range strings.Split(rest, ";") {
					k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
					params[k] = v
				}
			}
		}
		out = append(out, params)
	}
	return out
}

func wantStereo(t *testing.T, what, text string, keep ...string) {
	t.Helper()
	fs := opusFmtps(t, text)
	if len(fs) == 0 {
		t.Fatalf("%s: no audio section", what)
	}
	for i, f := range fs {
		if f["stereo"] != "1" || f["sprop-stereo"] != "1" {
			t.Errorf("%s: audio section %d fmtp %v lacks stereo=1;sprop-stereo=1", what, i, f)
		}
		for _, k := range keep {
			if _, ok := f[k]; !ok {
				t.Errorf("%s: audio section %d lost the browser's %s: %v", what, i, k, f)
			}
		}
	}
}

func TestStereoOpusKeepsTheRest(t *testing.T) {
	in := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n" +
		"a=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10; useinbandfec=1;stereo=0\r\n" +
		"a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\na=rtpmap:9 G722/8000\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=rtpmap:96 OPUS/48000/2\r\n" +
		"m=video 9 UDP/TLS/RTP/SAVPF 97\r\na=mid:2\r\na=rtpmap:97 VP8/90000\r\na=fmtp:97 x=1\r\n"
	out := stereoOpus(in)
	for _, want := range []string{
		"a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1\r\n",
		"a=fmtp:63 111/111\r\n",
		"a=rtpmap:96 OPUS/48000/2\r\na=fmtp:96 stereo=1;sprop-stereo=1\r\n",
		"a=fmtp:97 x=1\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if stereoOpus(out) != out {
		t.Error("a second pass changed the SDP")
	}
	wantStereo(t, "munged", out)
}

// TestAnswersCarryStereo: the listener's answer, a member's join answer and the room's
// renegotiation offer to a member all say stereo=1;sprop-stereo=1 for Opus, and keep the
// parameters the peer offered.
func TestAnswersCarryStereo(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go pump(ctx, r, 440)

	l, offer, err := testpeer.New()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if f := opusFmtps(t, offer); len(f) == 0 || f[0]["useinbandfec"] != "1" || f[0]["stereo"] == "1" {
		t.Fatalf("the test offer's fmtp %v is not what this test assumes (useinbandfec, no stereo)", f)
	}
	_, answer, err := r.AddListener(ctx, offer)
	if err != nil {
		t.Fatal(err)
	}
	wantStereo(t, "listener answer", answer, "useinbandfec", "minptime")

	a, offer, err := testpeer.NewMember()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, answer, err = r.Join(ctx, offer, "Ana")
	if err != nil {
		t.Fatal(err)
	}
	wantStereo(t, "member answer", answer, "useinbandfec", "minptime")
	if err := a.Accept(answer); err != nil {
		t.Fatal(err)
	}
	memberID(t, a)
	b, _ := joinMember(t, ctx, r, "Ben")
	if err := b.SendTone(500, -20, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a renegotiation offer", 5*time.Second, func() bool { return len(a.Messages("offer")) > 0 })
	wantStereo(t, "renegotiation offer", a.Messages("offer")[0]["sdp"].(string), "useinbandfec", "minptime")
	// The member accepted the munged offer and hears Ben on the new track.
	bid := memberID(t, b)
	waitFor(t, "Ben's track at Ana", 5*time.Second, func() bool { return len(a.Stream(bid)) > 9600 })
}
