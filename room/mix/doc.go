// Package mix turns the members' microphones and the broadcast into the one track a room's
// listeners hear. It is pure Go and knows nothing of WebRTC: the room hands it RTP payloads and
// 20 ms frames and gets frames back.
//
// Everything is 48 kHz. A frame is 20 ms: 960 sample frames, interleaved stereo, so 1920 float32.
//
// The pieces, in the order a mixer tick uses them:
//
//   - [Stream]: one member's incoming Opus packets -> jitter buffer -> pion/opus decoder -> loss
//     concealment -> one frame per [Stream.Pull].
//   - [VAD]: is this member speaking? Drives the roster's speaking flags and the ducking.
//   - [Ducker]: lowers the broadcast smoothly while anyone speaks.
//   - [Mixer]: sums the broadcast and the members with a peak limiter at -1 dBFS.
//
// A room's tick, every 20 ms on a paced loop, is then roughly:
//
//	for i, st := range streams { has[i] = st.Pull(frames[i]); speaking[i] = vads[i].Update(frames[i]) }
//	ducker.Apply(broadcast, anySpeaking)
//	mixer.Mix(out, broadcast, unmutedFrames)
//
// Pull every member's stream on every tick, muted or not (discard the frame of a muted member):
// the stream's clock is the Pull cadence, and a stream that is not pulled fills up and then throws
// its oldest audio away.
package mix
