// Package mix turns the members' microphones and the broadcast into the one track a room's
// listeners hear. It is pure Go and knows nothing of WebRTC: the room hands it RTP payloads and
// 20 ms frames and gets frames back.
//
// Everything is 48 kHz. A frame is 20 ms: 960 sample frames, interleaved stereo, so 1920 float32.
//
// The pieces, in the order a mixer tick uses them:
//
//   - [Stream]: one member's Opus packets -> jitter buffer -> pion/opus decoder (in Push, on the
//     member's goroutine) -> loss concealment -> one frame per [Stream.Pull]. Target delay 40 ms,
//     adapting between 40 and 120 ms; a lost packet's time is filled with the last 20 ms repeated
//     and fading (-6 dB per 20 ms, silent after 60 ms), spliced in and out with 2.5 ms crossfades.
//   - [VAD]: is this member speaking? Speech-band (200-4000 Hz) level 9 dB over an adaptive noise
//     floor that is capped at -48 dBFS; 40 ms onset, 300 ms hangover.
//   - [Ducker]: lowers the broadcast smoothly (one-pole in dB, per sample) while anyone speaks.
//   - [Mixer]: sums the broadcast and the members in float and limits the peaks to -1 dBFS with
//     2 ms of look-ahead (the only latency it adds).
//
// A room's tick, every 20 ms on a paced loop, is then roughly:
//
//	for i, st := range streams {
//		st.Pull(frames[i])
//		speaking[i] = vads[i].Update(frames[i])
//	}
//	ducker.Apply(broadcast, anyone(speaking))
//	mixer.Mix(out, broadcast, framesOfUnmutedMembers)
//
// Pull every member's stream on every tick, muted or not (drop a muted member's frame from the
// mix): the stream's clock is the Pull cadence, and a stream that is not pulled fills up and then
// throws its oldest audio away.
package mix
