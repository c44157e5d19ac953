// @ts-check
// The join page's sound: one <audio> element for the broadcast and one per
// member on a microphone (Chromium plays remote WebRTC audio only through
// media elements), the unlocking tap iOS needs, pausing from the lock screen,
// the volume, and the kind of sound iOS is told it is.

import { newAudio as newAudioIn, playOrBlocked } from "./shared.js";

/** @import { Attempt } from "./live.js" */

/**
 * @typedef {object} MemberAudio
 * @property {HTMLAudioElement} audio
 * @property {MediaStream | null} stream
 * @property {RTCRtpTransceiver} transceiver
 */

/**
 * roomAudio keeps the page's audio elements in sink and mirrors them into
 * hearth (audio, members) for tests.
 * @param {object} o
 * @param {HTMLElement} o.sink               where the elements live
 * @param {{audio: HTMLAudioElement | null, members: Record<string, HTMLAudioElement>}} o.hearth
 * @param {() => Attempt | null} o.current   the connection's current attempt
 * @param {() => void} o.blocked             the browser would not play without a tap
 */
export function roomAudio({ sink, hearth, current, blocked }) {
  /** @type {Map<string, MemberAudio>} member id -> its element */
  const memberAudio = new Map();
  let volume = 1;
  // paused: the person paused the room's sound from the lock screen or a
  // headset; nothing plays again until they resume.
  let paused = false;

  function newAudio() {
    return newAudioIn(sink, volume);
  }

  function ensureAudio() {
    if (!hearth.audio) {
      hearth.audio = newAudio();
      hearth.audio.dataset.role = "broadcast";
    }
    return hearth.audio;
  }

  // unlock runs in the tap: play() from a gesture is what iOS needs before
  // an element may make sound later, when the connection is up.
  function unlock() {
    const audio = ensureAudio();
    if (!audio.srcObject) audio.srcObject = new MediaStream();
    const p = audio.play();
    if (p && typeof p.catch === "function") p.catch(() => {});
  }

  /** @param {HTMLAudioElement | null} audio */
  function play(audio) {
    if (!audio || !audio.srcObject || paused) return;
    playOrBlocked(audio, blocked);
  }

  function playAll() {
    play(hearth.audio);
    for (const m of memberAudio.values()) play(m.audio);
  }

  /** @param {MediaStream} stream */
  function attachBroadcast(stream) {
    const audio = ensureAudio();
    if (audio.srcObject !== stream) audio.srcObject = stream;
    play(audio);
  }

  /**
   * @param {Attempt} a
   * @param {string} id
   * @param {MediaStream} stream
   * @param {RTCRtpTransceiver} transceiver
   */
  function attachMember(a, id, stream, transceiver) {
    let m = memberAudio.get(id);
    if (!m) {
      const audio = newAudio();
      audio.dataset.member = id;
      m = { audio, stream: null, transceiver };
      memberAudio.set(id, m);
    }
    m.transceiver = transceiver;
    if (m.stream !== stream) {
      m.stream = stream;
      m.audio.srcObject = stream;
      stream.addEventListener("removetrack", () => {
        if (current() === a && stream.getTracks().length === 0) dropMember(id, stream);
      });
    }
    play(m.audio);
    exposeMembers();
  }

  /**
   * @param {string} id
   * @param {MediaStream} [stream] only if it is still this member's stream
   */
  function dropMember(id, stream) {
    const m = memberAudio.get(id);
    if (!m || (stream && m.stream !== stream)) return;
    m.audio.pause();
    m.audio.srcObject = null;
    m.audio.remove();
    memberAudio.delete(id);
    exposeMembers();
  }

  // sweepMembers drops the elements of tracks the server took away in a
  // renegotiation (their transceiver no longer receives).
  function sweepMembers() {
    for (const [id, m] of memberAudio) {
      const t = m.transceiver;
      const dir = t && t.currentDirection;
      if (!t || /** @type {any} */ (t).stopped || dir === "inactive" || dir === "sendonly" || dir === "stopped") dropMember(id);
    }
  }

  function dropAllMembers() {
    for (const id of [...memberAudio.keys()]) dropMember(id);
  }

  function exposeMembers() {
    /** @type {Record<string, HTMLAudioElement>} */
    const out = {};
    for (const [id, m] of memberAudio) out[id] = m.audio;
    hearth.members = out;
  }

  function silenceAll() {
    dropAllMembers();
    const audio = hearth.audio;
    if (audio) {
      audio.pause();
      audio.srcObject = null;
    }
  }

  /** @param {number} v */
  function setVolume(v) {
    volume = v;
    if (hearth.audio) hearth.audio.volume = v;
    for (const m of memberAudio.values()) m.audio.volume = v;
  }

  // setPaused(true) pauses every element until setPaused(false), after which
  // playAll (or a new track) plays again.
  /** @param {boolean} p */
  function setPaused(p) {
    paused = p;
    if (!p) return;
    if (hearth.audio) hearth.audio.pause();
    for (const m of memberAudio.values()) m.audio.pause();
  }

  return {
    unlock,
    playAll,
    attachBroadcast,
    attachMember,
    sweepMembers,
    dropAllMembers,
    silenceAll,
    setVolume,
    setPaused,
    paused: () => paused,
  };
}

/**
 * setAudioSession tells iOS (Safari 16.4+) what kind of sound this is: a call
 * with a microphone ("play-and-record"), or playback that keeps going with the
 * ring switch off ("playback").
 * @param {string} type
 */
export function setAudioSession(type) {
  try {
    const nav = /** @type {any} */ (navigator);
    if (nav.audioSession) nav.audioSession.type = type;
  } catch {
    // Optional.
  }
}
