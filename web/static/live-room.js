// @ts-check
// The room as a page keeps it: a "state" message read, and the host's holds
// on a member's microphone.

import { parseRoster } from "./shared.js";

/** @import { Member } from "./shared.js" */


/**
 * @typedef {object} RoomState
 * @property {Member[]} roster
 * @property {number} listeners
 * @property {{mics_locked?: boolean} & Record<string, any>} room
 * @property {Set<string>} speaking
 * @property {boolean} hasNowPlaying    the message said what plays (else keep what we had)
 * @property {any} nowPlaying           the now_playing object, or null
 */

/**
 * parseState reads a "state" message.
 * @param {any} msg
 * @returns {RoomState}
 */
export function parseState(msg) {
  const roster = parseRoster(msg && msg.roster);
  const n = Math.floor(Number(msg && msg.listeners));
  const room = msg && msg.room && typeof msg.room === "object" ? msg.room : {};
  const hasNowPlaying = Boolean(msg && typeof msg === "object" && "now_playing" in msg);
  const np = hasNowPlaying && msg.now_playing && typeof msg.now_playing === "object" ? msg.now_playing : null;
  return {
    roster,
    listeners: Number.isFinite(n) && n > 0 ? n : 0,
    room,
    speaking: new Set(roster.filter((m) => m.speaking).map((m) => m.id)),
    hasNowPlaying,
    nowPlaying: np,
  };
}

/**
 * holds follows what keeps a member's microphone off from the host's side:
 * the host's hold on this member (a "muted" message with by_host, also sent
 * for a program part with microphones held) and the room-wide hold
 * (room.mics_locked in "state"). Each method returns what changed:
 *   "hold"     a hold began: the microphone goes off and cannot be turned on
 *   "release"  the last hold ended: the person may turn it on (it stays off)
 *   "mute"     the server muted us for another reason (our own echo)
 *   ""         nothing that matters
 */
export function holds() {
  let byHost = false;
  let locked = false;
  const held = () => byHost || locked;
  /**
   * @param {boolean} was
   * @returns {"hold" | "release" | ""}
   */
  const change = (was) => (!was && held() ? "hold" : was && !held() ? "release" : "");
  return {
    held,
    byHost: () => byHost,
    roomLocked: () => locked,
    /**
     * muted takes a "muted" message about this member.
     * @param {{muted?: unknown, by_host?: unknown}} msg
     * @returns {"hold" | "release" | "mute" | ""}
     */
    muted(msg) {
      const was = held();
      const muted = Boolean(msg.muted);
      if (msg.by_host === true) {
        byHost = muted;
        return muted ? "hold" : change(was);
      }
      // Our own mute echo. An unmute the server let through means no hold of
      // the host's is left on us, whatever we thought.
      if (!muted) {
        byHost = false;
        return change(was);
      }
      return "mute";
    },
    /**
     * room takes a state message's room settings.
     * @param {{mics_locked?: unknown}} room
     */
    room(room) {
      const was = held();
      locked = Boolean(room && room.mics_locked);
      return change(was);
    },
    /**
     * welcome takes the server's word on a new member (a rejoin): the host's
     * hold was on the old one.
     * @param {{muted?: unknown}} you
     */
    welcome(you) {
      const was = held();
      if (byHost && !you.muted) byHost = false;
      return change(was);
    },
    reset() {
      byHost = false;
      locked = false;
    },
  };
}
