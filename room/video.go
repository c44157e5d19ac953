package room

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// VideoClockRate is the RTP clock of VP8.
const VideoClockRate = 90000

// videoMTU bounds an RTP payload: under any path MTU with room for SRTP and header extensions.
const videoMTU = 1150

// keyframeGap is the least time between keyframes asked of the encoder for viewers: a burst of
// PLIs (many viewers joining, one viewer on a lossy link) costs one keyframe, not one each.
const keyframeGap = 250 * time.Millisecond

var vp8Capability = webrtc.RTPCodecCapability{
	MimeType:     webrtc.MimeTypeVP8,
	ClockRate:    VideoClockRate,
	RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}, {Type: "goog-remb"}},
}

// video is a room's one picture: encoded once by the session's show, packetised here, and the same
// packets go to every peer that asked for video.
type video struct {
	track *webrtc.TrackLocalStaticRTP
	// keyframe asks the encoder for a keyframe; set by EnableVideo.
	keyframe func()

	mu      sync.Mutex // guards the packetiser; WriteVideo is called from one goroutine, but Close races
	pay     codecs.VP8Payloader
	pkt     rtp.Packet
	tsBase  uint32
	lastKey time.Time // when a keyframe was last asked for
	frames  int64

	kmu        sync.Mutex
	keyPending bool
}

// EnableVideo gives the room a video track (VP8), in the same media stream as the audio so that
// browsers keep the two in sync. keyframe is called, at most every keyframeGap, when a viewer
// arrives or reports a lost picture; the caller's encoder should then make its next frame a
// keyframe. Call it before anyone joins: peers that joined earlier get no video.
func (r *Room) EnableVideo(keyframe func()) error {
	track, err := webrtc.NewTrackLocalStaticRTP(vp8Capability, "collage", "hearth-"+r.id)
	if err != nil {
		return err
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	if keyframe == nil {
		keyframe = func() {}
	}
	v := &video{track: track, keyframe: keyframe, tsBase: binary.BigEndian.Uint32(rnd[:4])}
	v.pay.EnablePictureID = true
	v.pkt.Header = rtp.Header{Version: 2, SequenceNumber: binary.BigEndian.Uint16(rnd[4:])}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.video != nil {
		return fmt.Errorf("room %s already has video", r.id)
	}
	r.video = v
	return nil
}

// WriteVideo sends one encoded VP8 frame. ts is the frame's instant on the broadcaster's clock,
// measured from any fixed origin, so that RTP timestamps (and with them the sender reports) follow
// the same clock as the audio's. Call it from one goroutine, at the frame's due time.
func (r *Room) WriteVideo(frame []byte, ts time.Duration) {
	v := r.videoTrack()
	if v == nil || len(frame) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.frames++
	rtpTS := v.tsBase + uint32(ts.Nanoseconds()*VideoClockRate/int64(time.Second))
	payloads := v.pay.Payload(videoMTU, frame)
	for i, p := range payloads {
		v.pkt.Header.SequenceNumber++
		v.pkt.Header.Timestamp = rtpTS
		v.pkt.Header.Marker = i == len(payloads)-1
		v.pkt.Payload = p
		_ = v.track.WriteRTP(&v.pkt)
	}
}

func (r *Room) videoTrack() *video {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.video
}

// requestKeyframe asks the show for a keyframe. Requests closer together than keyframeGap are
// folded into one, sent when the gap has passed, so a burst costs one keyframe and none is lost.
func (v *video) requestKeyframe() {
	v.kmu.Lock()
	now := time.Now()
	if wait := keyframeGap - now.Sub(v.lastKey); wait > 0 {
		if !v.keyPending {
			v.keyPending = true
			time.AfterFunc(wait, func() {
				v.kmu.Lock()
				v.keyPending = false
				v.lastKey = time.Now()
				v.kmu.Unlock()
				v.keyframe()
			})
		}
		v.kmu.Unlock()
		return
	}
	v.lastKey = now
	v.kmu.Unlock()
	v.keyframe()
}

// readVideoRTCP reads a video sender's RTCP, which drives NACK and reports, and answers every
// picture loss or full intra request with a keyframe.
func readVideoRTCP(s *webrtc.RTPSender, v *video) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				v.requestKeyframe()
			}
		}
	}
}

// offersVideo reports whether an offer has a video section the server can send on.
func offersVideo(offer string) bool {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return false
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "video" {
			continue
		}
		dir := direction(md)
		if (dir == "recvonly" || dir == "sendrecv") && strings.Contains(strings.ToLower(fmtString(md)), "vp8") {
			return true
		}
	}
	return false
}

// Caption tells everyone what the picture shows now: the caption of the photo that has just come
// in and who shared it. Empty text clears it. Members who arrive later are told the latest.
func (r *Room) Caption(text, name string) {
	msg := message{Type: "caption", Text: text, Name: name}
	b, err := json.Marshal(msg)
	if err != nil {
		return
	}
	r.captionMu.Lock()
	r.caption = b
	r.captionMu.Unlock()
	r.broadcast(msg)
}

// lastCaption is the latest caption message, or nil.
func (r *Room) lastCaption() []byte {
	r.captionMu.Lock()
	defer r.captionMu.Unlock()
	return r.caption
}

// videoFrames counts the frames sent on the video track.
func (r *Room) videoFrames() int64 {
	v := r.videoTrack()
	if v == nil {
		return 0
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.frames
}
