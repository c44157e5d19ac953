// @ts-check
// The host in the room, from the dashboard's live view: "Join with
// microphone" (a member's connection, marked host on the server, through
// POST /api/v1/sessions/{id}/host-join with the sign-in cookie and CSRF
// header) or "Just listen" (the listeners' mix over WHEP with the session's
// listener token). The signalling, reconnection and holds are live.js's, as
// on the join page; this module adds the host's transceivers, plays what
// arrives, follows the data channel and says what the screen should show.
//
// Nothing here draws: dashboard-live.js asks view() after each onChange.

import { LIVE_TIMING, answerOffer as answerOfferOn, connection, dataChannel, fetchSessionInfo, holds, parseState } from "./live.js";

/** @import { Attempt, Auth, Refusal, RoomState } from "./live.js" */

const MIC_CONSTRAINTS = { audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } };
const BACKOFF_MS = [1000, 2000, 4000, 5000, 5000, 10000];
const DOORS_RETRY_MS = 5000;

/**
 * @typedef {"out" | "asking" | "connecting" | "connected" | "reconnecting" | "waiting" | "blocked" | "stopped"} Phase
 *   out          not in the room (the join buttons show)
 *   asking       the browser is asking for the microphone
 *   connecting   on the way in
 *   connected    in the room
 *   reconnecting the connection dropped; it comes back by itself
 *   waiting      the room is not open yet; it tries again by itself
 *   blocked      the browser would not play sound until a tap
 *   stopped      out, with a sentence why (problem)
 */

/**
 * @typedef {object} HostRoomOptions
 * @property {() => string} sessionId
 * @property {() => string} listenerToken   the session's listener token (for Just listen)
 * @property {() => Auth} signedIn  the dashboard's cookie and CSRF header
 * @property {HTMLElement} sink             where the audio elements live (hidden)
 * @property {() => void} onChange          something view() reports has changed
 * @property {(st: RoomState, msg: any) => void} onState    a room state from the data channel (parsed, and as sent)
 * @property {(ids: Set<string>) => void} onSpeaking
 * @property {() => void} onEnded           the session ended
 * @property {() => void} onSignedOut       the server no longer knows this host
 */

/** @param {HostRoomOptions} o */
export function hostRoom(o) {
  /** @type {"" | "mic" | "listen"} */
  let mode = "";
  /** @type {Phase} */
  let phase = "out";
  let problem = "";
  let note = ""; // a calm word about the microphone (a hold and its release)
  let name = "";
  let micOn = false;
  /** @type {MediaStream | null} */
  let micStream = null;
  let memberId = "";
  /** @type {RTCIceServer[]} */
  let iceServers = [];
  let want = false;
  let visit = 0;
  const hold = holds();
  /** @type {HTMLAudioElement | null} */
  let broadcast = null;
  /** @type {Map<string, {audio: HTMLAudioElement, stream: MediaStream, transceiver: RTCRtpTransceiver}>} */
  const voices = new Map();
  const enc = encodeURIComponent;

  const conn = connection({
    // A rejoin names the connection it takes over, so the name is free at once.
    url: (replaces) =>
      mode === "mic"
        ? `/api/v1/sessions/${enc(o.sessionId())}/host-join?name=${enc(name)}${replaces ? `&replaces=${enc(replaces)}` : ""}`
        : `/whep/${enc(o.sessionId())}`,
    token: () => o.listenerToken(),
    auth: () => (mode === "mic" ? o.signedIn() : { headers: { Authorization: `Bearer ${o.listenerToken()}` }, credentials: "omit" }),
    iceServers: () => iceServers,
    setup,
    onTrack,
    onConnected: () => {
      if (phase !== "blocked") set("connected");
      playAll();
    },
    onRetrying: () => set(phase === "connecting" || phase === "waiting" ? "connecting" : "reconnecting"),
    onRefused: refused,
    onEnd: () => {
      for (const id of [...voices.keys()]) dropVoice(id);
      memberId = "";
    },
    onUnsupported: () => stop("This browser can’t join the room. Try a current Chrome, Safari, Firefox or Edge."),
    mayRetry: () => want,
    backoff: BACKOFF_MS,
    timing: LIVE_TIMING, // the join page's pacing
  });

  /** @param {Phase} next */
  function set(next) {
    phase = next;
    o.onChange();
  }

  // -------------------------------------------------------------------------
  // Joining and leaving

  /**
   * joinWithMic asks for the microphone (call it in the tap) and joins with it
   * on, under the given name.
   * @param {string} displayName
   */
  async function joinWithMic(displayName) {
    const mine = ++visit;
    leaveQuietly();
    name = displayName;
    problem = "";
    note = "";
    unlockAudio();
    if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") {
      stop("This browser can’t use a microphone here. The dashboard needs HTTPS (or localhost) for that.");
      return;
    }
    set("asking");
    /** @type {MediaStream} */
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
    } catch (err) {
      if (mine !== visit) return;
      stop(micProblem(err));
      return;
    }
    if (mine !== visit) {
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    micStream = stream;
    micOn = true;
    await enter("mic", mine);
  }

  /** listen joins without a microphone: the room as listeners hear it. */
  async function listen() {
    const mine = ++visit;
    leaveQuietly();
    problem = "";
    note = "";
    unlockAudio();
    await enter("listen", mine);
  }

  /**
   * @param {"mic" | "listen"} next
   * @param {number} mine
   */
  async function enter(next, mine) {
    mode = next;
    want = true;
    hold.reset();
    set("connecting");
    // The ICE servers (TURN, when the server has one) come with the session's
    // public info; without them a direct connection is tried, which is what
    // works on most networks.
    const info = await fetchSessionInfo(o.sessionId(), { Authorization: `Bearer ${o.listenerToken()}` });
    if (mine !== visit) return;
    if (info.body && Array.isArray(info.body.ice_servers)) iceServers = info.body.ice_servers;
    conn.start();
  }

  /** leave is the host's Leave: the server hears of it, the microphone is let go. */
  function leave() {
    visit++;
    leaveQuietly();
    problem = "";
    note = "";
    set("out");
  }

  function leaveQuietly() {
    want = false;
    conn.stop(true);
    stopMic();
    silence();
    mode = "";
    memberId = "";
    hold.reset();
  }

  /** @param {string} why */
  function stop(why) {
    visit++;
    leaveQuietly();
    problem = why;
    set(why ? "stopped" : "out");
  }

  // -------------------------------------------------------------------------
  // The microphone

  function liveTrack() {
    const t = micStream && micStream.getAudioTracks()[0];
    return t && t.readyState === "live" ? t : null;
  }

  function stopMic() {
    if (micStream) micStream.getTracks().forEach((t) => t.stop());
    micStream = null;
    micOn = false;
  }

  /**
   * setMic turns the host's voice on or off; the track is disabled at once,
   * so nothing is heard even before the server knows.
   * @param {boolean} on
   * @param {boolean} tell
   */
  function setMic(on, tell) {
    micOn = on;
    const t = liveTrack();
    if (t) t.enabled = on && !hold.held();
    if (tell) send({ type: "mute", muted: !on });
    o.onChange();
  }

  function toggleMic() {
    if (mode !== "mic" || hold.held()) return;
    note = "";
    setMic(!micOn, true);
  }

  /** @param {any} err */
  function micProblem(err) {
    const n = err && err.name;
    if (n === "NotAllowedError" || n === "SecurityError")
      return "The browser didn’t allow the microphone. Allow it for this site (the icon by the address), then try again. You can also just listen.";
    if (n === "NotFoundError" || n === "OverconstrainedError") return "No microphone was found on this device. You can still just listen.";
    if (n === "NotReadableError") return "The microphone is in use by another app. Close it, then try again, or just listen.";
    return "The microphone couldn’t be started. Try again, or just listen.";
  }

  // -------------------------------------------------------------------------
  // The connection's pieces

  /** @param {Attempt} a */
  function setup(a) {
    const pc = a.pc;
    a.page.mode = mode;
    a.page.chain = Promise.resolve();
    if (mode === "mic") {
      const track = liveTrack();
      a.tx = pc.addTransceiver(track || "audio", { direction: "sendrecv", streams: micStream && track ? [micStream] : [] });
      if (track) track.enabled = micOn && !hold.held();
      a.dc = pc.createDataChannel("hearth", { ordered: true });
      wireChannel(a);
    } else {
      a.tx = pc.addTransceiver("audio", { direction: "recvonly" });
    }
    // The broadcast's receiver exists before the answer: start playing it now.
    attachBroadcast(new MediaStream([a.tx.receiver.track]));
  }

  /**
   * @param {Attempt} a
   * @param {RTCTrackEvent} event
   */
  function onTrack(a, event) {
    if (event.track.kind !== "audio") return;
    const stream = event.streams && event.streams[0] ? event.streams[0] : new MediaStream([event.track]);
    if (event.transceiver === a.tx) {
      const cur = broadcast && broadcast.srcObject;
      if (!(cur instanceof MediaStream && cur.getTracks().includes(event.track))) attachBroadcast(stream);
      return;
    }
    if (a.page.mode !== "mic") return;
    // Each other member's microphone: its stream id is their member id.
    const id = event.streams && event.streams[0] ? event.streams[0].id : event.track.id;
    let v = voices.get(id);
    if (!v) {
      v = { audio: newAudio(`member ${id}`), stream, transceiver: event.transceiver };
      v.audio.dataset.member = id;
      voices.set(id, v);
    }
    v.transceiver = event.transceiver;
    if (v.audio.srcObject !== stream) {
      v.stream = stream;
      v.audio.srcObject = stream;
      stream.addEventListener("removetrack", () => {
        if (conn.current() === a && stream.getTracks().length === 0) dropVoice(id);
      });
    }
    play(v.audio);
  }

  /**
   * @param {Attempt} a
   * @param {Refusal} r
   */
  function refused(a, r) {
    switch (r.kind) {
      case "ended":
        stop("");
        o.onEnded();
        return;
      case "name":
      case "invalid":
        stop(r.error || "Hearth couldn’t use that name in the room. Please choose another.");
        return;
      case "denied":
        if (r.status === 401 || /CSRF/i.test(r.error)) {
          stop("");
          o.onSignedOut();
          return;
        }
        stop(r.error ? `Hearth didn’t let you in: ${r.error}` : "Hearth didn’t let you in.");
        return;
      case "missing":
        stop("This session isn’t on the server any more.");
        return;
      case "doors":
        set("waiting");
        conn.later(DOORS_RETRY_MS);
        return;
    }
    conn.retry(a, r.retryAfterMs);
  }

  // -------------------------------------------------------------------------
  // The data channel (with a microphone)

  // The channel's messages go to onMessage; when the server closes it, we come back.
  const channel = dataChannel({
    current: () => conn.current(),
    onMessage: (a, msg) => onMessage(a, msg),
    onClose: (a) => {
      if (want) conn.retrySoon(a);
    },
  });

  /** @param {Attempt} a */
  function wireChannel(a) {
    channel.wire(a);
  }

  /** @param {any} msg */
  function send(msg) {
    return channel.send(msg);
  }

  /**
   * @param {Attempt} a
   * @param {any} msg
   */
  function onMessage(a, msg) {
    switch (msg.type) {
      case "welcome":
        if (msg.you && typeof msg.you === "object") {
          memberId = String(msg.you.id || "");
          // The server hears what the host chose, also after a reconnection.
          send({ type: "mute", muted: !micOn || hold.held() });
          hold.welcome(msg.you);
          o.onChange();
        }
        break;
      case "offer":
        if (typeof msg.sdp === "string") {
          a.page.chain = a.page.chain
            .then(() => answerOffer(a, msg.sdp))
            .catch(() => {
              if (conn.current() === a) conn.retry(a);
            });
        }
        break;
      case "state": {
        // The room's hold (Quiet room, a muted part) is for members: a host
        // guiding the circle keeps their microphone.
        const st = parseState(msg);
        o.onState(st, msg);
        break;
      }
      case "speaking":
        o.onSpeaking(new Set(Array.isArray(msg.ids) ? msg.ids.map(String) : []));
        break;
      case "muted":
        holdChanged(hold.muted(msg));
        break;
      case "removed":
        stop("Another host removed you from the room.");
        break;
      case "ended":
        stop("");
        o.onEnded();
        break;
    }
  }

  /** @param {"hold" | "release" | "mute" | ""} change */
  function holdChanged(change) {
    if (change === "hold") {
      note = "";
      setMic(false, false);
    } else if (change === "release") {
      // As for members: a release lets the host speak, and leaves the switch off.
      setMic(false, true);
      note = "You can turn your microphone on again.";
      o.onChange();
    } else if (change === "mute" && micOn) {
      setMic(false, false);
    }
  }

  /**
   * @param {Attempt} a
   * @param {string} sdp
   */
  async function answerOffer(a, sdp) {
    if (!(await answerOfferOn(a, sdp, send))) return;
    for (const [id, v] of voices) {
      const dir = v.transceiver.currentDirection;
      if (dir === "inactive" || dir === "sendonly" || dir === "stopped") dropVoice(id);
    }
  }

  // -------------------------------------------------------------------------
  // Sound

  /** @param {string} label */
  function newAudio(label) {
    const audio = document.createElement("audio");
    audio.autoplay = true;
    audio.setAttribute("playsinline", "");
    audio.dataset.role = label;
    o.sink.append(audio);
    return audio;
  }

  // unlockAudio runs in the tap: a play() from a gesture lets the element make
  // sound later, when the connection is up (iOS needs this).
  function unlockAudio() {
    if (!broadcast) broadcast = newAudio("broadcast");
    if (!broadcast.srcObject) broadcast.srcObject = new MediaStream();
    const p = broadcast.play();
    if (p && typeof p.catch === "function") p.catch(() => {});
  }

  /** @param {MediaStream} stream */
  function attachBroadcast(stream) {
    if (!broadcast) broadcast = newAudio("broadcast");
    if (broadcast.srcObject !== stream) broadcast.srcObject = stream;
    play(broadcast);
  }

  /** @param {HTMLAudioElement | null} audio */
  function play(audio) {
    if (!audio || !audio.srcObject) return;
    const p = audio.play();
    if (p && typeof p.catch === "function") {
      p.catch((err) => {
        if (err && err.name === "NotAllowedError" && want) set("blocked");
      });
    }
  }

  function playAll() {
    play(broadcast);
    for (const v of voices.values()) play(v.audio);
  }

  /** resume is the tap that lets a blocked browser play. */
  function resume() {
    if (phase !== "blocked") return;
    set(conn.isConnected() ? "connected" : "connecting");
    playAll();
  }

  /** @param {string} id */
  function dropVoice(id) {
    const v = voices.get(id);
    if (!v) return;
    v.audio.pause();
    v.audio.srcObject = null;
    v.audio.remove();
    voices.delete(id);
  }

  function silence() {
    for (const id of [...voices.keys()]) dropVoice(id);
    if (broadcast) {
      broadcast.pause();
      broadcast.srcObject = null;
    }
  }

  return {
    joinWithMic,
    listen,
    leave,
    toggleMic,
    resume,
    /** reconnectNow cuts a wait short (the page came back into view). */
    reconnectNow: () => conn.reconnectNow(),
    view: () => ({
      mode,
      phase,
      problem,
      note,
      micOn: micOn && !hold.held(),
      held: hold.held(),
      memberId,
      inRoom: want,
    }),
    /** For tests and the curious: the connection now, or null. */
    pc: () => {
      const a = conn.current();
      return a ? a.pc : null;
    },
    /** For tests and the curious: the audio elements playing now. */
    audio: () => ({ broadcast, members: Object.fromEntries([...voices].map(([id, v]) => [id, v.audio])) }),
  };
}
