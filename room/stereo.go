package room

import (
	"strings"
)

// stereoOpus returns an SDP (an answer or a renegotiation offer the room sends) whose Opus
// formats in every audio section carry stereo=1;sprop-stereo=1, keeping the other parameters the
// browser asked for (useinbandfec, minptime...). pion copies the remote side's Opus fmtp into its
// answers, and libwebrtc decodes Opus as mono unless the description it applies says stereo=1: the
// room's broadcast and mix are stereo. A format with no fmtp line gets one.
func stereoOpus(sdpText string) string {
	eol := "\r\n"
	if !strings.Contains(sdpText, "\r\n") {
		eol = "\n"
	}
	lines := strings.Split(strings.TrimSuffix(sdpText, eol), eol)
	out := make([]string, 0, len(lines)+4)
	// Each media section is rewritten by itself: its Opus payload types, then its fmtp lines.
	flush := func(section []string) {
		if len(section) == 0 || !strings.HasPrefix(section[0], "m=audio ") {
			out = append(out, section...)
			return
		}
		opus := map[string]bool{}
		for _, l := range section {
			if pt, codec, ok := strings.Cut(strings.TrimPrefix(l, "a=rtpmap:"), " "); ok && strings.HasPrefix(l, "a=rtpmap:") &&
				strings.HasPrefix(strings.ToLower(codec), "opus/") {
				opus[pt] = true
			}
		}
		hasFmtp := map[string]bool{}
		for i, l := range section {
			if !strings.HasPrefix(l, "a=fmtp:") {
				continue
			}
			pt, params, _ := strings.Cut(strings.TrimPrefix(l, "a=fmtp:"), " ")
			if opus[pt] {
				section[i] = "a=fmtp:" + pt + " " + withStereo(params)
				hasFmtp[pt] = true
			}
		}
		for _, l := range section {
			out = append(out, l)
			if pt, _, ok := strings.Cut(strings.TrimPrefix(l, "a=rtpmap:"), " "); ok && strings.HasPrefix(l, "a=rtpmap:") && opus[pt] && !hasFmtp[pt] {
				out = append(out, "a=fmtp:"+pt+" "+withStereo(""))
			}
		}
	}
	var section []string
	for _, l := range lines {
		if strings.HasPrefix(l, "m=") {
			flush(section)
			section = nil
		}
		section = append(section, l)
	}
	flush(section)
	return strings.Join(out, eol) + eol
}

// withStereo sets stereo=1 and sprop-stereo=1 in an fmtp parameter list, keeping the others in
// their order.
func withStereo(params string) string {
	var kept []string
	for _, p := range strings.Split(params, ";") {
		p = strings.TrimSpace(p)
		k, _, _ := strings.Cut(p, "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "", "stereo", "sprop-stereo":
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(append(kept, "stereo=1", "sprop-stereo=1"), ";")
}
