// @ts-check
// Hearth join page.
//
// Someone opens /join/{id}#t={member token} on a phone, types a first name and
// either joins with a microphone (WebRTC with a data channel, see
// docs/PROTOCOL.md) or just listens (WHEP plus an event stream). In the room
// the page shows who is there, who is speaking, raised hands, candles and
// hearts, and what is playing. It reconnects on its own after a network drop,
// with the same name and the same microphone, without asking again.
//
// A memorial session also carries a video, the collage of the family's photos,
// shown large with each photo's caption under it (collage-view.js); while the
// collage still takes photos and songs, the page links to the contribution
// page.
//
// Nothing here talks to anything but this server. The only thing ever kept on
// the device is the display name, and only when the person ticks "Remember my
// name on this device".

import {
  liveElements,
  mediaSession,
  playsTrack,
  reactionStage,
  pageLifecycle,
  setData,
  setText,
  setupVolume,
  toaster,
} from "./shared.js";
import { connection, dataChannel, eventFeed, fetchSessionInfo, holds, parseState, refusalRouter, roomMessages, sessionPoller } from "./live.js";
import { pageCollage } from "./collage-view.js";
import { roomAudio, setAudioSession } from "./join-audio.js";
import { micHelp, platformOf } from "./join-mic-help.js";
import { nameStore } from "./join-name.js";
import { ownEchoes } from "./join-reactions.js";
import { hand } from "./join-hand.js";
import { memberMessages } from "./join-member.js";
import { microphone } from "./join-mic.js";
import { joinScreen } from "./join-screen.js";
import { LINK_INCOMPLETE, LINK_REFUSED, LINK_UNKNOWN, NO_WEBRTC } from "./join-words.js";
import {
  NAME_ERRORS,
  checkName,
  cleanName,
  readSessionId,
  readToken,
} from "./text.js";

const POLL_WAIT_MS = 5000; // before joining, and while the room has not begun
const POLL_ROOM_MS = 10000; // in the room, where the data channel carries most news
const POLL_ENDED_MS = 30000;
// Reconnect quickly first (a phone moving between Wi-Fi and mobile data comes
// back within seconds), then settle to a slower pace.
const BACKOFF_MS = [1000, 2000, 4000, 5000, 5000, 5000, 10000];
const DOORS_RETRY_MS = 5000;
const REACTION_GAP_MS = 1100; // the server takes one per second
const REACTIONS_ON_SCREEN = 3;
const REACTION_SHOW_GAP_MS = 1600; // others' reactions appear at most this often
const TOAST_MS = 6000;
const ECHO_WINDOW_MS = 4000;
const CONFIRM_TIMEOUT_MS = 8000; // asking the server whether an "ended" is the end
const HAND_SETTLE_MS = 2500;

const MIC_CONSTRAINTS = { audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } };


const el = (id) => document.getElementById(id);
const ui = {
  ...liveElements(document),
  form: el("join-form"),
  name: /** @type {HTMLInputElement} */ (el("name")),
  nameError: el("name-error"),
  remember: /** @type {HTMLInputElement} */ (el("remember")),
  joinMic: /** @type {HTMLButtonElement} */ (el("join-mic")),
  joinListen: /** @type {HTMLButtonElement} */ (el("join-listen")),
  joinStatus: el("join-status"),
  micHelp: el("mic-help"),
  micHelpWhy: el("mic-help-why"),
  micHelpHow: el("mic-help-how"),
  resume: el("resume"),
  altListen: el("alt-listen"),
  mic: /** @type {HTMLButtonElement} */ (el("mic")),
  micState: el("mic-state"),
  switchMic: el("switch-mic"),
  hand: el("hand"),
  handLabel: el("hand-label"),
  candle: el("candle"),
  heart: el("heart"),
  leave: el("leave"),
  roster: el("roster"),
  rosterEmpty: el("roster-empty"),
  listeners: el("listeners"),
  endMessage: el("end-message"),
  endNote: el("end-note"),
  rejoin: el("rejoin"),
  toast: el("toast"),
  sink: el("sink"),
};

const sessionId = readSessionId(location.pathname, "join");
const token = readToken(location.hash);
const hasWebRTC = typeof RTCPeerConnection === "function";

/** @typedef {import("./live.js").Attempt} Attempt */

// Tests read this, and it is kept current:
//   pc        the current RTCPeerConnection, or null
//   audio     the <audio> element playing the broadcast
//   state     "idle", "asking", "mic-refused", "connecting", "connected",
//             "reconnecting", "waiting", "refused", "blocked", "left",
//             "removed", "ended" or "unavailable"
//   roster    the last roster: [{id, name, muted, hand, speaking}]
//   memberId  our member id from "welcome" ("" until then, and when listening)
//   dc        the "hearth" data channel of the current connection, or null
//   mode      "", "mic" or "listen"
//   mic       the microphone MediaStream (kept across reconnections)
//   members   member id -> the <audio> element playing that member
//   listeners, room, session: the last listener count, room settings, session info
//   video     the collage's <video> element
//   collage   the collage's picture and caption: showing(), text()
const hearth = {
  pc: null,
  audio: null,
  state: "idle",
  roster: [],
  memberId: "",
  dc: null,
  mode: "",
  mic: null,
  members: {},
  listeners: 0,
  room: {},
  session: null,
  video: ui.video,
  collage: null,
};
/** @type {any} */ (window).hearth = hearth;

// Session info, as last polled.
let info = null;
let iceServers = [];
let linkProblem = sessionId && token ? "" : LINK_INCOMPLETE;

// Who we are and what we asked for.
let displayName = "";
let mode = ""; // "mic" or "listen" once in the room
let finish = ""; // "", "left", "removed" or "ended": why the room is over for us
let confirming = 0; // nonzero while asking the server whether an "ended" from the room is true
let confirmSeq = 0;
let askSeq = 0; // bumps on every join tap, so a late microphone answer is ignored

// The room as the server last told us.
let roster = [];
let listeners = 0;
let room = {};
let speaking = new Set();
let nowPlaying = null;
let nowPlayingAt = 0;
let heardRoom = false; // a state message arrived since joining

// The host's holds on our microphone (theirs on us, the room's, a program
// part's) and their release: see holds() in live.js.
const hold = holds();
// The microphone: one stream for the whole visit, reused by every
// reconnection (join-mic.js).
const mic = microphone({
  hearth,
  held: () => micLocked(),
  send: (msg) => send(msg),
  lost: () => {
    renderMic();
    renderStatus();
  },
  stopped: () => renderMic(),
  changed: () => {
    renderMic();
    renderRoster();
    renderStatus();
  },
});
const myHand = hand(HAND_SETTLE_MS);

// The connection.
let want = false; // we should be in the room
let statusDetail = ""; // "", "offline", "busy", "full", "doors"

// Reactions and messages.
let lastReactionAt = -Infinity;
const echoes = ownEchoes(ECHO_WINDOW_MS);
const toast = toaster(ui.toast, TOAST_MS);
const stage = reactionStage({
  container: ui.reactions,
  announce: ui.announce,
  maxOnScreen: REACTIONS_ON_SCREEN,
  gapMs: REACTION_SHOW_GAP_MS,
});
const collage = pageCollage(document);
// The broadcast's and the members' <audio> elements.
const sound = roomAudio({
  sink: ui.sink,
  hearth,
  current: () => conn.current(),
  blocked: () => {
    if (!want) return;
    ui.resume.hidden = false;
    setConnState("blocked");
  },
});
hearth.collage = collage;

function authHeaders(extra) {
  return Object.assign({ Authorization: `Bearer ${token}` }, extra);
}

// ---------------------------------------------------------------------------
// Session info (title, state, now playing), polled like the listen page does
// (live.js): often while waiting, less in the room, where the data channel
// carries most news, and not at all once the host asked us to leave.

const poller = sessionPoller({
  sessionId,
  headers: () => authHeaders(),
  interval: () => {
    if (finish === "removed") return 0;
    if (finish === "ended" || (info && info.state === "ended")) return POLL_ENDED_MS;
    return want && info && info.state === "live" ? POLL_ROOM_MS : POLL_WAIT_MS;
  },
  onInfo: (next, stampedAt) => applyInfo(next, stampedAt),
  onRefused: () => giveUp(LINK_REFUSED),
  onMissing: (seen) => {
    if (seen) onEnded();
    else giveUp(LINK_UNKNOWN);
  },
  onTrouble: () => render(),
});
const poll = () => poller.poll();
const schedulePoll = () => poller.schedule();

function applyInfo(next, stampedAt) {
  const before = info ? info.state : "";
  info = next;
  hearth.session = next;
  if (Array.isArray(next.ice_servers)) iceServers = next.ice_servers;
  if ("now_playing" in next) setNowPlaying(next.now_playing, stampedAt);
  if (!heardRoom && Number.isFinite(Number(next.listeners))) {
    listeners = Number(next.listeners);
    hearth.listeners = listeners;
  }
  if (next.state === "ended") {
    onEnded();
    return;
  }
  if (before === "scheduled" && next.state === "live" && want) conn.reconnectNow();
  render();
}

function setNowPlaying(np, at) {
  nowPlaying = np && typeof np === "object" ? np : null;
  nowPlayingAt = at;
  renderNow();
  renderState();
  updateMediaSession();
}

function giveUp(message) {
  linkProblem = message;
  poller.stop();
  stopEverything(true);
  setConnState("unavailable");
  render();
}

// ---------------------------------------------------------------------------
// Joining: the two big buttons.

function joinWithMic() {
  if (linkProblem || !hasWebRTC || finish === "ended" || finish === "removed") return;
  const check = checkName(ui.name.value);
  if (!check.name) {
    showNameError(check.error);
    return;
  }
  const name = check.name;
  clearNameError();
  displayName = name;
  rememberName();
  // Inside the tap: iOS lets an element play sound later only if play() was
  // first called from a gesture.
  sound.unlock();
  hideMicHelp();

  const seq = ++askSeq;
  const existing = mic.track();
  if (existing) {
    enterRoom("mic");
    return;
  }
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") {
    showMicHelp({ name: "Unsupported" });
    return;
  }
  setConnState("asking");
  navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS).then(
    (stream) => {
      if (seq !== askSeq || want || finish === "ended" || finish === "removed") {
        // They chose something else while the browser was asking.
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      mic.use(stream);
      enterRoom("mic");
    },
    (err) => {
      if (seq !== askSeq || want) return;
      showMicHelp(err);
    },
  );
}

function justListen() {
  if (linkProblem || !hasWebRTC || finish === "ended" || finish === "removed") return;
  askSeq++; // a microphone question still open no longer matters
  const name = cleanName(ui.name.value);
  if (name) {
    displayName = name;
    rememberName();
  }
  clearNameError();
  hideMicHelp();
  if (want) leaveRoom(true);
  mic.stop();
  sound.unlock();
  enterRoom("listen");
}

function enterRoom(nextMode) {
  mode = nextMode;
  hearth.mode = mode;
  finish = "";
  want = true;
  sound.setPaused(false);
  confirming = 0; // a question still out from an earlier visit to the room is not this one's
  statusDetail = "";
  hold.reset();
  heardRoom = false;
  myHand.lowered();
  roster = [];
  hearth.roster = roster;
  speaking = new Set();
  setAudioSession(mode === "mic" ? "play-and-record" : "playback");
  setConnState("connecting");
  render();
  // Runs up to its first await now, inside the tap for Just listen: the
  // receiver's track starts playing in the gesture, like the listen page.
  conn.start();
  if (mode === "listen") openEvents();
  schedulePoll();
  // The first screen is gone: put the focus where the room begins.
  ui.status.focus({ preventScroll: true });
}

// leaveRoom is the Leave button: DELETE the member (or WHEP) resource, close
// everything and let go of the microphone.
function leaveRoom(quiet) {
  stopEverything(true);
  if (quiet) return;
  finish = "left";
  setConnState("left");
  render();
  ui.endMessage.focus({ preventScroll: true });
}

// stopEverything ends the connection, the event stream and the microphone.
// sayGoodbye sends the DELETE; it is skipped when the server already let us go.
function stopEverything(sayGoodbye) {
  want = false;
  conn.stop(sayGoodbye);
  closeEvents();
  mic.stop();
  sound.silenceAll();
  ui.resume.hidden = true;
  collage.end();
  roster = [];
  hearth.roster = roster;
  speaking = new Set();
  hearth.memberId = "";
  myHand.lowered();
  hold.reset();
  setAudioSession("auto");
}

function onRemoved() {
  finish = "removed";
  stopEverything(false);
  setConnState("removed");
  render();
  ui.endMessage.focus({ preventScroll: true });
}

function onEnded() {
  if (finish === "ended") return;
  const wasIn = want;
  finish = "ended";
  stopEverything(false);
  setConnState("ended");
  render();
  if (wasIn) ui.endMessage.focus({ preventScroll: true });
  schedulePoll();
}

// onEndedMessage is an "ended" from the room (data channel or event stream).
// The room also closes when the server restarts or shuts down, and a session
// that carries on after that has not ended. So, like the listen page, ask the
// server once: end only if it says the session is over; otherwise this was a
// dropped connection, and we reconnect by ourselves. If the question itself
// fails (the server is down), keep reconnecting with the usual backoff; a
// later attempt refused with 410, or the regular poll, ends it if need be.
async function onEndedMessage() {
  if (!want || finish || confirming) return;
  const seq = ++confirmSeq;
  confirming = seq;
  // The room is gone on the server's side: no DELETE to send.
  conn.drop(false);
  statusDetail = "";
  setConnState("reconnecting");
  render();

  const ctl = typeof AbortController === "function" ? new AbortController() : null;
  const timer = ctl ? setTimeout(() => ctl.abort(), CONFIRM_TIMEOUT_MS) : 0;
  const { res, body, monoMid } = await fetchSessionInfo(
    sessionId, authHeaders({ Accept: "application/json" }), ctl ? ctl.signal : undefined);
  clearTimeout(timer);
  if (confirming === seq) confirming = 0;

  if (res && res.ok && body && typeof body === "object") {
    // An "ended" state ends the page here (applyInfo calls onEnded).
    applyInfo(body, monoMid);
    if (body.state === "ended") return;
  } else if (res && res.status === 404 && info) {
    onEnded();
    return;
  }
  // Still going, or we could not tell: a dropped connection. Reconnect,
  // unless the person left or something else already took over meanwhile.
  if (want && !finish && !linkProblem && !conn.current() && !conn.waiting()) conn.retry(null);
}

// ---------------------------------------------------------------------------
// The name field, and the one thing this page may keep on the device.

/** @param {string} [message] what to say; by default, what checkName says */
function showNameError(message) {
  setText(ui.nameError, message || checkName(ui.name.value).error || NAME_ERRORS.name_empty);
  ui.name.setAttribute("aria-invalid", "true");
  ui.name.focus();
}

// nameRefused: the server would not take the name. Back to the first screen
// with its reason beside the field; nothing is retried, since only the person
// can change the name. One exception: after a drop, our own earlier
// connection may still hold the name on the server for a moment, so a
// reconnection told "name_taken" tries again with the usual backoff.
/**
 * @param {Attempt} a
 * @param {import("./live.js").Refusal} r
 */
function nameRefused(a, r) {
  if (r.code === "name_taken" && conn.everConnected()) {
    conn.retry(a, r.retryAfterMs);
    return;
  }
  const message = r.code === "name_taken" ? NAME_ERRORS.name_taken : r.error || NAME_ERRORS[r.code] || NAME_ERRORS.name_invisible;
  stopEverything(false);
  finish = "";
  setConnState("idle");
  render();
  showNameError(message);
}

function clearNameError() {
  setText(ui.nameError, "");
  ui.name.removeAttribute("aria-invalid");
}

// The name is kept on the device only when the person asks (join-name.js).
const names = nameStore(() => window.localStorage);

function rememberName() {
  names.keep(displayName, ui.remember.checked);
}

function recallName() {
  const saved = names.recall();
  if (saved) {
    ui.name.value = saved;
    ui.remember.checked = true;
  }
}

// ---------------------------------------------------------------------------
// The microphone.

function micLocked() {
  return hold.held();
}

function toggleMic() {
  if (mode !== "mic" || micLocked()) return;
  if (mic.isOn()) {
    mic.set(false, true);
    return;
  }
  if (mic.track()) {
    member.unmuteAsked();
    mic.set(true, true);
    return;
  }
  // The microphone stopped (a phone call, another app): ask again, in the tap.
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") return;
  navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS).then(
    (stream) => {
      if (!want || mode !== "mic") {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      mic.use(stream);
      const track = stream.getAudioTracks()[0];
      const a = conn.current();
      const sender = a && a.tx && a.tx.sender;
      if (sender && track) {
        sender.replaceTrack(track).catch(() => {});
        if (typeof sender.setStreams === "function") sender.setStreams(stream);
      }
      member.unmuteAsked();
      mic.set(true, true);
      renderStatus();
    },
    () => toast("Your microphone isn’t available right now. You can still listen."),
  );
}

// ---------------------------------------------------------------------------
// The connection: live.js keeps one RTCPeerConnection at a time and brings it
// back after a drop with the same name and the same microphone stream, no new
// question and no new tap. This page adds its transceivers and plays what comes.

const conn = connection({
  url: (replaces) =>
    mode === "mic"
      ? `/api/v1/sessions/${encodeURIComponent(sessionId)}/join?name=${encodeURIComponent(displayName)}` +
        (replaces ? `&replaces=${encodeURIComponent(replaces)}` : "")
      : `/whep/${encodeURIComponent(sessionId)}`,
  token: () => token,
  iceServers: () => iceServers,
  setup: (a) => setupAttempt(a),
  onTrack: (a, event) => onTrack(a, event),
  onAnswered: () => {
    if (statusDetail === "doors" || statusDetail === "full" || statusDetail === "busy") statusDetail = "";
  },
  onConnected: () => {
    if (statusDetail !== "full") statusDetail = "";
    if (hearth.state !== "blocked") setConnState("connected");
    sound.playAll();
  },
  onRetrying: ({ everConnected, offline }) => {
    if (offline) statusDetail = "offline";
    else if (statusDetail === "offline") statusDetail = "";
    setConnState(everConnected ? "reconnecting" : "connecting");
  },
  onRefused: (a, r) => refused(a, r),
  onEnd: () => {
    hearth.pc = null;
    hearth.dc = null;
    // The member tracks belong to this connection; the next one brings its own.
    sound.dropAllMembers();
    if (speaking.size) {
      speaking = new Set();
      renderRoster();
      renderMic();
    }
  },
  onUnsupported: () => giveUp(NO_WEBRTC),
  mayRetry: () => want && !linkProblem && !finish,
  backoff: BACKOFF_MS,
});

/** @param {Attempt} a */
function setupAttempt(a) {
  const pc = a.pc;
  a.page.mode = mode;
  a.page.chain = Promise.resolve();
  hearth.pc = pc;
  hearth.memberId = ""; // a new member on the server; "welcome" says who
  if (mode === "mic") {
    const track = mic.track();
    /** @type {RTCRtpTransceiverInit} */
    const init = { direction: "sendrecv", streams: mic.stream() && track ? [mic.stream()] : [] };
    a.tx = pc.addTransceiver(track || "audio", init);
    if (track) track.enabled = mic.isOn() && !micLocked();
    // The data channel goes into the first offer, so the server sees it at once.
    a.dc = pc.createDataChannel("hearth", { ordered: true });
    channel.wire(a);
  } else {
    a.tx = pc.addTransceiver("audio", { direction: "recvonly" });
  }
  // A memorial collage's pictures, for members and listeners alike; the server
  // answers this inactive when the session has no video.
  pc.addTransceiver("video", { direction: "recvonly" });
  collage.begin();
  hearth.dc = a.dc;
  // The receiver's track exists before negotiation, so the element can start
  // playing it now; sound flows once the connection is up.
  sound.attachBroadcast(new MediaStream([a.tx.receiver.track]));
}

/**
 * @param {Attempt} a
 * @param {RTCTrackEvent} event
 */
function onTrack(a, event) {
  if (event.track.kind === "video") {
    // The collage: in the broadcast's stream, so it keeps in step with the
    // sound, but shown by its own element.
    collage.attach(event.track);
    return;
  }
  const stream = event.streams && event.streams[0] ? event.streams[0] : new MediaStream([event.track]);
  if (event.transceiver === a.tx) {
    // The microphone's own transceiver carries the broadcast back to us.
    if (!playsTrack(hearth.audio, event.track)) sound.attachBroadcast(stream);
    return;
  }
  if (a.page.mode !== "mic") return;
  // Every other track is one member's microphone; its stream id is their id.
  const id = event.streams && event.streams[0] ? event.streams[0].id : event.track.id;
  sound.attachMember(a, id, stream, event.transceiver);
}

// refused: a refused attempt, as the listen page takes it, with the join
// page's own cases first.
const refused = refusalRouter(conn, {
  ended: () => onEnded(),
  giveUp: (why) => giveUp(why === "refused" ? LINK_REFUSED : LINK_UNKNOWN),
  known: () => Boolean(info),
  busy: (a, r) => {
    statusDetail = a.page.mode === "mic" && r.status === 503 ? "full" : "busy";
  },
  own: {
    // The name is the person's to change: never retried, said beside the field.
    name: (a, r) => {
      nameRefused(a, r);
      return true;
    },
    // A member's join carries only the name and the offer: a refusal
    // without a code is about the name too (an older server says so this
    // way). Never retried; the server's sentence goes beside the field.
    invalid: (a, r) => {
      if (a.page.mode !== "mic") return false;
      nameRefused(a, r);
      return true;
    },
    denied: (a) => {
      if (a.page.mode !== "mic" || !info) return false;
      // The link works for listening (the session info came back), so this
      // is a locked room or a listen-only link. Back to the first screen,
      // where Just listen is.
      stopEverything(false);
      setConnState("refused");
      render();
      ui.joinListen.focus({ preventScroll: true });
      return true;
    },
    // The doors are not open yet: wait calmly, this is not a failure.
    doors: () => {
      statusDetail = "doors";
      setConnState("waiting");
      conn.later(DOORS_RETRY_MS);
      poll();
      return true;
    },
  },
});

// ---------------------------------------------------------------------------
// The data channel (with a microphone).

// The channel's messages go to onMessage; when the server closes it without
// saying why (removed, ended), we come back.
const channel = dataChannel({
  current: () => conn.current(),
  onMessage: (a, msg) => onMessage(a, msg),
  onClose: (a) => {
    if (want && !finish) conn.retrySoon(a);
  },
});
const send = (msg) => channel.send(msg);

// A member's own messages: welcome, offers, holds, the hand, errors (join-member.js).
const member = memberMessages({
  hearth,
  send,
  mic,
  hold,
  hand: myHand,
  sound,
  mode: () => mode,
  toast: (text) => toast(text),
  render: { mic: () => renderMic(), status: () => renderStatus(), roster: () => renderRoster(), actions: () => renderActions() },
});

// roomNews takes the room's news the data channel and the event stream share.
const roomNews = roomMessages({
  state: (msg) => applyRoomState(msg),
  speaking: (ids) => applySpeaking(ids),
  reaction: (r) => onReaction(r),
  caption: (msg) => collage.caption(msg),
  ended: () => onEndedMessage(),
});

function onMessage(a, msg) {
  if (roomNews(msg)) return;
  switch (msg.type) {
    case "welcome":
      member.welcome(msg.you);
      break;
    case "offer":
      if (typeof msg.sdp === "string") {
        a.page.chain = a.page.chain.then(() => member.answerOffer(a, msg.sdp)).catch(() => {
          if (conn.current() === a) conn.retry(a);
        });
      }
      break;
    case "muted":
      member.muted(msg);
      break;
    case "hand":
      member.handMessage(msg);
      break;
    case "removed":
      onRemoved();
      break;
    case "error":
      member.serverError(msg.error);
      break;
  }
}

// ---------------------------------------------------------------------------
// The event stream (just listening): state, speaking, reactions, the end.

// The stream while just listening; the data channel carries the same news
// for a member.
const events = eventFeed({
  url: () => `/api/v1/sessions/${encodeURIComponent(sessionId)}/events?t=${encodeURIComponent(token)}`,
  onMessage: (msg) => {
    roomNews(msg);
  },
  retryDelay: (n) => BACKOFF_MS[Math.min(n, BACKOFF_MS.length - 1)],
});

function openEvents() {
  if (!want || mode !== "listen") return;
  events.open();
}

function closeEvents() {
  events.close();
}

// ---------------------------------------------------------------------------
// The room's news.

function applyRoomState(msg) {
  heardRoom = true;
  const st = parseState(msg);
  roster = st.roster;
  hearth.roster = roster;
  listeners = st.listeners;
  hearth.listeners = listeners;
  room = st.room;
  hearth.room = room;
  speaking = st.speaking;
  // Pause, resume, a new piece or part: shown at once, not at the next poll.
  if (st.hasNowPlaying) setNowPlaying(st.nowPlaying, performance.now());

  // The host may lower our hand: follow the roster, except for a roster sent
  // before the server took our own last change.
  const self = roster.find((m) => m.id === hearth.memberId);
  if (self) myHand.fromRoster(self.hand, performance.now());

  const change = hold.room(room);
  if (mode === "mic" && change) member.holdChange(change);
  renderState();
  renderRoom();
}

/** @param {string[]} ids */
function applySpeaking(ids) {
  speaking = new Set(ids);
  for (const m of roster) m.speaking = speaking.has(m.id);
  renderRoster();
  renderMic();
}

// ---------------------------------------------------------------------------
// Hand and reactions.

function toggleHand() {
  if (mode !== "mic") return;
  const next = !myHand.raised();
  if (!send({ type: "hand", raised: next })) {
    toast("You’re not connected just now. Try again in a moment.");
    return;
  }
  myHand.asked(next, performance.now());
  renderActions();
  renderRoster();
}

function react(kind, button) {
  if (mode !== "mic") return;
  const now = performance.now();
  if (now - lastReactionAt < REACTION_GAP_MS) {
    // Too soon for the server; let the button breathe instead of refusing loudly.
    setData(button, "resting", "true");
    setTimeout(() => setData(button, "resting", ""), REACTION_GAP_MS);
    return;
  }
  if (!send({ type: "reaction", kind })) {
    toast("You’re not connected just now. Try again in a moment.");
    return;
  }
  lastReactionAt = now;
  echoes.sent(kind, now);
  stage.show(kind, displayName, true);
}

/** @param {{kind: "candle" | "heart", name: string}} r */
function onReaction({ kind, name }) {
  // Our own reaction was shown when we sent it; skip the server's echo of it.
  if (echoes.isEcho(kind, name, displayName, performance.now())) return;
  stage.show(kind, name, false);
}

// ---------------------------------------------------------------------------
// Microphone help, in plain words for the device in hand.

function showMicHelp(err) {
  const { why, how } = micHelp(err && err.name, platformOf(navigator.userAgent, navigator.platform, navigator.maxTouchPoints));
  setText(ui.micHelpWhy, why);
  setText(ui.micHelpHow, how);
  ui.micHelp.hidden = false;
  setConnState("mic-refused");
  ui.micHelp.focus({ preventScroll: false });
}

function hideMicHelp() {
  ui.micHelp.hidden = true;
}

// ---------------------------------------------------------------------------
// Rendering

function setConnState(state) {
  hearth.state = state;
  if (state !== "blocked") ui.resume.hidden = true;
  renderStatus();
  updateMediaSession();
}

// The screen (join-screen.js) reads the page's state through facts().
const { render, renderState, renderStatus, renderMic, renderActions, renderRoom, renderNow, renderRoster, tick } = joinScreen({
  ui,
  doc: document,
  hearth,
  mic,
  hold,
  hand: myHand,
  poller,
  facts: () => ({ info, linkProblem, hasWebRTC, finish, want, mode, statusDetail, nowPlaying, nowPlayingAt, roster, listeners, speaking }),
});

// ---------------------------------------------------------------------------
// Volume, and the lock screen's and headset's controls, like the listen page.

const showMedia = mediaSession({
  // Pausing from the lock screen or a headset pauses the room's sound until
  // play; the microphone is not touched.
  play: () => {
    sound.setPaused(false);
    sound.playAll();
    updateMediaSession();
  },
  pause: () => {
    if (!want) return;
    sound.setPaused(true);
    updateMediaSession();
  },
});

// updateMediaSession tells the phone what plays (the piece, or the session)
// and whether the room is heard, for its lock screen.
function updateMediaSession() {
  const heard = want && conn.isConnected() && !sound.paused();
  showMedia(want ? (heard ? "playing" : "paused") : "none", nowPlaying && nowPlaying.title, info && info.title);
}

// ---------------------------------------------------------------------------
// Wiring

function setup() {
  recallName();
  setupVolume(ui.volume, ui.volumeHint, (v) => sound.setVolume(v));
  ui.form.addEventListener("submit", (event) => {
    // Enter or "Done" on the keyboard only closes the keyboard: joining is a
    // choice made with one of the two buttons.
    event.preventDefault();
    ui.name.blur();
  });
  ui.name.addEventListener("input", () => {
    // The reason goes as soon as the name would be taken: the server's own
    // refusal (a name in use) too, since the person has changed it.
    if (ui.name.getAttribute("aria-invalid") && cleanName(ui.name.value)) clearNameError();
  });
  ui.remember.addEventListener("change", () => {
    const name = cleanName(ui.name.value);
    if (name) displayName = name;
    if (!ui.remember.checked) displayName = displayName || "";
    rememberName();
  });
  ui.joinMic.addEventListener("click", joinWithMic);
  ui.joinListen.addEventListener("click", justListen);
  ui.altListen.addEventListener("click", justListen);
  ui.switchMic.addEventListener("click", () => {
    if (!cleanName(ui.name.value)) {
      // A name is needed first: go back to the first screen to write one.
      leaveRoom(true);
      finish = "";
      setConnState("idle");
      render();
      showNameError();
      return;
    }
    leaveRoom(true);
    finish = "";
    setConnState("idle");
    joinWithMic();
  });
  ui.mic.addEventListener("click", toggleMic);
  ui.hand.addEventListener("click", toggleHand);
  ui.candle.addEventListener("click", () => react("candle", ui.candle));
  ui.heart.addEventListener("click", () => react("heart", ui.heart));
  ui.leave.addEventListener("click", () => leaveRoom(false));
  ui.resume.addEventListener("click", () => {
    ui.resume.hidden = true;
    setConnState(conn.isConnected() ? "connected" : want ? "connecting" : hearth.state);
    sound.playAll();
  });
  ui.rejoin.addEventListener("click", () => {
    finish = "";
    setConnState("idle");
    render();
    schedulePoll();
    ui.name.focus();
  });

  pageLifecycle({
    win: window,
    doc: document,
    poll,
    wanted: () => want,
    conn,
    visible: () => {
      sound.playAll();
      conn.reconnectNow();
      openEvents();
    },
    online: () => {
      if (statusDetail === "offline") statusDetail = "";
      openEvents();
    },
    offline: () => {
      statusDetail = "offline";
      renderStatus();
    },
    // A page back from the cache starts a fresh stream, as it does a connection.
    restored: () => {
      closeEvents();
      openEvents();
    },
    tick,
  });

  if (linkProblem || !hasWebRTC) hearth.state = "unavailable";
  render();
  if (!linkProblem) poll();
}

setup();
