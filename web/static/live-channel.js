// @ts-check
// A member's "hearth" data channel (docs/PROTOCOL.md), for the join page and
// the host's room in the dashboard: JSON messages in, only from the current
// attempt; JSON messages out, only while it is open. No DOM (live.test.js);
// each page decides what the messages mean.

import { preferStereo } from "./live-connection.js";

/** @import { Attempt } from "./live-connection.js" */

/**
 * dataChannel reads and writes the current attempt's channel.
 * @param {object} o
 * @param {() => Attempt | null} o.current              the connection's current attempt
 * @param {(a: Attempt, msg: Record<string, any>) => void} o.onMessage  a JSON object from the server
 * @param {(a: Attempt) => void} o.onClose               the server closed the current attempt's channel
 */
export function dataChannel({ current, onMessage, onClose }) {
  /** @param {Attempt} a */
  function wire(a) {
    const dc = a.dc;
    if (!dc) return;
    dc.onmessage = (event) => {
      if (current() !== a || typeof event.data !== "string") return;
      let msg = null;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg && typeof msg === "object") onMessage(a, msg);
    };
    dc.onclose = () => {
      if (current() === a) onClose(a);
    };
  }

  /**
   * send reports whether the message went out.
   * @param {any} msg
   */
  function send(msg) {
    const a = current();
    const dc = a && a.dc;
    if (!dc || dc.readyState !== "open") return false;
    try {
      dc.send(JSON.stringify(msg));
      return true;
    } catch {
      return false;
    }
  }

  return { wire, send };
}

/**
 * answerOffer answers the server's renegotiation (members' tracks added or
 * removed) on the channel, preferring stereo as the first offer does, so the
 * broadcast keeps its two channels. It returns whether the answer went out:
 * not when the attempt ended meanwhile. Pages run offers one at a time.
 * @param {Attempt} a
 * @param {string} sdp
 * @param {(msg: any) => boolean} send
 */
export async function answerOffer(a, sdp, send) {
  if (a.done) return false;
  const pc = a.pc;
  await pc.setRemoteDescription({ type: "offer", sdp });
  const answer = await pc.createAnswer();
  await pc.setLocalDescription({ type: "answer", sdp: preferStereo(answer.sdp || "") });
  if (a.done || !pc.localDescription) return false;
  send({ type: "answer", sdp: pc.localDescription.sdp });
  return true;
}
