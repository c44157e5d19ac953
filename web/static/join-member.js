// @ts-check
// What the server's data channel says to a member about themselves, and what
// the page does about it: "welcome" (a new member on the server, told what we
// already chose), a renegotiation's offer, the host's holds and their release,
// the host lowering our hand, and the protocol's errors. join.js routes the
// messages here (onMessage); the room's news goes to roomMessages.

import { answerOffer as answerOfferOn } from "./live.js";
import { RELEASED } from "./join-words.js";

/** @import { Attempt } from "./live.js" */

const UNMUTE_REFUSAL_MS = 3000; // an error this soon after asking to unmute refused it

/**
 * memberMessages acts on a member's own messages.
 * @param {object} o
 * @param {{memberId: string}} o.hearth
 * @param {(msg: any) => boolean} o.send
 * @param {import("./join-mic.js").Microphone} o.mic
 * @param {ReturnType<typeof import("./live.js").holds>} o.hold
 * @param {import("./join-hand.js").Hand} o.hand
 * @param {{sweepMembers: () => void}} o.sound
 * @param {() => string} o.mode                    "", "mic" or "listen"
 * @param {(text: string) => void} o.toast
 * @param {{mic: () => void, status: () => void, roster: () => void, actions: () => void}} o.render
 * @param {() => number} [o.now]                   a monotonic clock, ms
 */
export function memberMessages({ hearth, send, mic, hold, hand, sound, mode, toast, render, now = () => performance.now() }) {
  let unmuteAskedAt = -Infinity;

  /** @param {any} you */
  function welcome(you) {
    if (!you || typeof you !== "object") return;
    hearth.memberId = typeof you.id === "string" ? you.id : String(you.id || "");
    // Tell the new member what we already chose, so a reconnection keeps it:
    // muted unless the person turned the microphone on, the hand as it was.
    send({ type: "mute", muted: !mic.isOn() || hold.held() });
    if (hand.raised() && send({ type: "hand", raised: true })) hand.asked(true, now());
    // A rejoin is a new member on the server, and the host's mute was for the
    // old one: let the person choose again (the microphone stays off).
    hold.welcome(you);
    render.mic();
    render.status();
    render.roster();
  }

  /**
   * answerOffer answers the server's renegotiation (members' tracks added or
   * removed). The page runs offers one at a time, in order.
   * @param {Attempt} a
   * @param {string} sdp
   */
  async function answerOffer(a, sdp) {
    if (await answerOfferOn(a, sdp, send)) sound.sweepMembers();
  }

  /**
   * holdChange follows a change in what holds our microphone. A hold turns it
   * off; a release lets the person speak again but leaves it off until they
   * tap it, and says so calmly.
   * @param {"hold" | "release" | "mute" | ""} change
   */
  function holdChange(change) {
    if (change === "hold") {
      // The button and the status line say so; no extra message.
      mic.set(false, false);
    } else if (change === "release") {
      // Say it is off to the server too, so the roster is true.
      mic.set(false, mode() === "mic");
      if (mode() === "mic") toast(RELEASED);
    } else if (change === "mute" && mic.isOn()) {
      mic.set(false, false);
    }
    render.mic();
    render.status();
  }

  /**
   * muted takes a "muted" message about us: a hold of the host's, its
   * release, or the echo of our own choice.
   * @param {any} msg
   */
  function muted(msg) {
    holdChange(hold.muted(msg));
  }

  /**
   * handMessage takes a "hand" message: the host lowered our hand.
   * @param {any} msg
   */
  function handMessage(msg) {
    if (msg.raised || !hand.raised()) return;
    hand.lowered();
    render.actions();
    render.roster();
    if (msg.by_host) toast("The host has lowered your hand.");
  }

  /**
   * serverError: the protocol's error does not say which message it refused,
   * so it is read from its words and from what we sent last.
   * @param {any} text
   */
  function serverError(text) {
    const s = String(text || "").toLowerCase();
    if (/rate|too many|slow|fast|limit/.test(s)) {
      toast("One at a time, please. Try again in a moment.");
      return;
    }
    if (now() - unmuteAskedAt < UNMUTE_REFUSAL_MS && mic.isOn()) {
      // Our unmute was refused (the host muted us, or the mics are locked).
      unmuteAskedAt = -Infinity;
      mic.set(false, false);
      toast("Your microphone can’t be turned on just now. The host may have paused microphones.");
      return;
    }
    toast("That didn’t go through. Please try again in a moment.");
  }

  return {
    welcome,
    answerOffer,
    holdChange,
    muted,
    handMessage,
    serverError,
    /** unmuteAsked: the person asked to be heard just now. */
    unmuteAsked() {
      unmuteAskedAt = now();
    },
  };
}
