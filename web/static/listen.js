// @ts-check
// Hearth listen page.
//
// Someone opens /listen/{id}#t={token} on a phone, presses Listen and hears a
// live session that the server sends over WebRTC (WHEP, receive only). The page
// keeps itself going: it polls the session every few seconds, interpolates the
// progress between polls, and reconnects on its own when the network or the
// connection drops, for as long as the person wants to listen.
//
// While the room is open the page also follows its event stream, like the join
// page's Just listen: how many people are here, who is speaking, and the
// group's candles and hearts, shown softly so that nobody listening alone in
// the dark is startled.
//
// A memorial session also carries a video, the collage of the family's photos:
// it shows large once its first frames arrive, with each photo's caption as
// text under it (collage-view.js).
//
// Nothing here talks to anything but this server.

import {
  liveElements,
  mediaSession,
  newAudio,
  playOrBlocked,
  playsTrack,
  reactionStage,
  renderAfterwards,
  renderNowPlaying as fillNowPlaying,
  renderSessionLinks,
  pageLifecycle,
  renderTitle,
  setData,
  setText,
  setupVolume,
  speakerName,
} from "./shared.js";
import { connection, eventFeed, parseState, refusalRouter, roomMessages, sessionPoller } from "./live.js";
import { pageCollage } from "./collage-view.js";
import { circlePhrase, countdownPhrase, readSessionId, readToken, speakingPhrase, startsPhrase } from "./text.js";

const POLL_MS = 5000;
const POLL_ENDED_MS = 30000;
const BACKOFF_MS = [1000, 2000, 4000, 8000, 10000];
// The event stream: quick to come back while the session is live, gentle
// while it has not begun (the server refuses it until the doors open).
const EVENTS_BACKOFF_MS = [1000, 2000, 5000, 10000, 20000, 30000];
const EVENTS_DOORS_MS = [15000, 30000, 60000];
// A name stays on the speaking line this long after a pause for breath, so
// the line does not flicker with every word.
const SPEAKING_HOLD_MS = 1500;
const REACTIONS_ON_SCREEN = 2;
const REACTION_SHOW_GAP_MS = 2400;

const LINK_INCOMPLETE = "This link looks incomplete. Ask your host for the listen link again.";
const LINK_REFUSED = "This link doesn’t work any more. Ask your host for the listen link again.";
const LINK_UNKNOWN = "We couldn’t find this session. Ask your host for the listen link again.";
const NO_WEBRTC = "This browser can’t play live sessions. Please open the link in Safari, Chrome or Firefox.";
const ENDED = "This session has ended. Thank you for being here.";

const el = (id) => document.getElementById(id);
const ui = {
  ...liveElements(document),
  countdown: el("countdown"),
  listen: /** @type {HTMLButtonElement} */ (el("listen")),
  listenLabel: el("listen-label"),
  people: el("people"),
  speaking: el("speaking"),
  speakingText: el("speaking-text"),
};

const sessionId = readSessionId(location.pathname);
const token = readToken(location.hash);
const hasWebRTC = typeof RTCPeerConnection === "function";

// Tests read this: pc is the current RTCPeerConnection (null when not
// listening), audio the one <audio> element, state the connection state
// ("idle", "connecting", "listening", "reconnecting", "waiting", "stopped",
// "blocked", "ended", "unavailable"), session the last session info, roster
// the people on a microphone as the event stream last said
// ([{id, name, muted, hand, speaking}], empty while it is not open), listeners
// the last listener count (from the stream, else from the session info),
// events the stream's state ("connecting", "open", "waiting", "closed"), video
// the collage's <video> element, and collage the collage's picture and caption
// (showing(), text()).
const hearth = {
  pc: null,
  audio: null,
  state: "idle",
  session: null,
  roster: [],
  listeners: 0,
  events: "closed",
  video: ui.video,
  collage: null,
};
/** @type {any} */ (window).hearth = hearth;

const collage = pageCollage(document);
hearth.collage = collage;

// Session info, as last seen.
let info = null;
let iceServers = [];
let linkProblem = sessionId && token ? "" : LINK_INCOMPLETE;

// Listening.
let want = false; // the person wants to hear the session
let statusDetail = "";
let volume = 1;

// What is playing, from the session info or the room's state, whichever is newer.
let nowPlaying = null;
let nowPlayingAt = 0;

// The room, as its event stream last told us.
let heardRoom = false; // a state message arrived since the stream (re)opened
let roster = [];
// How many are here, from whichever is newer: the stream while it is open,
// else the session info; kept as it was while the stream comes back.
let counts = { members: 0, listeners: 0 };
let speakingNow = new Set();
// The room's latest caption: shown while listening, kept for when the person
// presses Listen (the stream sends the latest one only when it opens).
let lastCaption = null;
const speakingUntil = new Map(); // member id -> when a finished speaker leaves the line

// ---------------------------------------------------------------------------
// Session info

// The session's info every few seconds (live.js); a session we have already
// seen that disappears has ended, one we never saw was never there.
const poller = sessionPoller({
  sessionId,
  headers: () => ({ Authorization: `Bearer ${token}` }),
  interval: () => (info && info.state === "ended" ? POLL_ENDED_MS : POLL_MS),
  onInfo: (next, stampedAt) => applyInfo(next, stampedAt),
  onRefused: () => giveUp(LINK_REFUSED),
  onMissing: (seen) => {
    if (seen) applyInfo(Object.assign({}, info, { state: "ended", now_playing: null }), performance.now());
    else giveUp(LINK_UNKNOWN);
  },
  onTrouble: () => render(),
});
const poll = () => poller.poll();

// applyInfo takes a new session snapshot. Progress is then interpolated on the
// monotonic clock from stampedAt, so neither a wrong device clock nor a clock
// change can move it; the poller's server clock is the countdown's.
function applyInfo(next, stampedAt) {
  const before = info ? info.state : "";
  const wasEmpty = !info || peopleCount(info) === 0;
  info = next;
  hearth.session = next;
  if (Array.isArray(next.ice_servers)) iceServers = next.ice_servers;
  nowPlaying = next.now_playing && typeof next.now_playing === "object" ? next.now_playing : null;
  nowPlayingAt = stampedAt;
  if (!heardRoom) counts = { members: count(next.members), listeners: count(next.listeners) };

  if (next.state === "ended") {
    endListening();
    closeRoom();
  } else {
    if (before === "scheduled" && next.state === "live" && want) {
      // The session just began: try at once instead of waiting out a backoff.
      conn.reconnectNow();
    }
    syncEvents();
    // The room has opened (it began, or somebody arrived): the stream need
    // not wait out its gentle pace before the doors.
    if ((before === "scheduled" && next.state === "live") || (wasEmpty && peopleCount(next) > 0)) events.retryNow();
  }
  render();
  renderStatus();
}

function peopleCount(i) {
  return count(i.members) + count(i.listeners);
}

function count(n) {
  const c = Math.floor(Number(n));
  return Number.isFinite(c) && c > 0 ? c : 0;
}

function giveUp(message) {
  linkProblem = message;
  poller.stop();
  endListening();
  closeRoom();
  render();
  renderStatus();
}

// ---------------------------------------------------------------------------
// Listening: one attempt at a time, each with its own RTCPeerConnection.

function startListening() {
  if (want || linkProblem || !hasWebRTC || (info && info.state === "ended")) return;
  want = true;
  statusDetail = "";
  ensureAudio();
  if (lastCaption) collage.caption(lastCaption);
  setConnState("connecting");
  // The first attempt runs up to its first await now, inside the tap:
  // iOS only lets audio start from a user gesture.
  conn.start();
  updateMediaSession();
  syncEvents();
}

function stopListening() {
  if (!want) return;
  want = false;
  conn.stop(true);
  silence();
  collage.end();
  setConnState("stopped");
  updateMediaSession();
  syncEvents();
}

// endListening stops for reasons that are not the person's choice: the session
// ended or the link no longer works.
function endListening() {
  conn.stop(true);
  if (want) silence();
  collage.end();
  want = false;
  setConnState(linkProblem ? "unavailable" : "ended");
  updateMediaSession();
}

function ensureAudio() {
  if (!hearth.audio) hearth.audio = newAudio(document.body, volume);
  return hearth.audio;
}

function silence() {
  const audio = hearth.audio;
  if (!audio) return;
  audio.pause();
  audio.srcObject = null;
}

function playAudio() {
  const audio = hearth.audio;
  if (!audio || !audio.srcObject) return;
  playOrBlocked(audio, () => {
    if (!want) return;
    want = false;
    conn.stop(true);
    collage.end();
    setConnState("blocked");
    updateMediaSession();
  });
}

function attach(stream) {
  const audio = ensureAudio();
  if (audio.srcObject !== stream) audio.srcObject = stream;
  playAudio();
}

// The connection: live.js keeps one RTCPeerConnection at a time and brings it
// back after a drop; this page adds its transceivers and plays what comes.
const conn = connection({
  url: () => `/whep/${encodeURIComponent(sessionId)}`,
  token: () => token,
  iceServers: () => iceServers,
  setup: (a) => {
    const pc = a.pc;
    hearth.pc = pc;
    a.tx = pc.addTransceiver("audio", { direction: "recvonly" });
    // A memorial collage's pictures; the server answers this inactive when the
    // session has no video.
    pc.addTransceiver("video", { direction: "recvonly" });
    collage.begin();
    // The receiver's track exists before negotiation, so the element can start
    // playing it inside the tap; sound flows once the connection is up.
    attach(new MediaStream([a.tx.receiver.track]));
  },
  onTrack: (a, event) => {
    if (event.track.kind === "video") {
      collage.attach(event.track);
      return;
    }
    if (playsTrack(hearth.audio, event.track)) return;
    attach(event.streams && event.streams[0] ? event.streams[0] : new MediaStream([event.track]));
  },
  onConnected: () => {
    statusDetail = "";
    setConnState("listening");
    playAudio();
  },
  onRetrying: ({ everConnected, offline }) => {
    if (offline) statusDetail = "offline";
    else if (statusDetail !== "busy") statusDetail = "";
    if (info && info.state === "scheduled" && statusDetail !== "offline") setConnState("waiting");
    else setConnState(everConnected ? "reconnecting" : "connecting");
  },
  onRefused: (a, r) => refused(a, r),
  onEnd: () => {
    hearth.pc = null;
  },
  onUnsupported: () => giveUp(NO_WEBRTC),
  mayRetry: () => want && !linkProblem && !(info && info.state === "ended"),
  backoff: BACKOFF_MS,
});

const refused = refusalRouter(conn, {
  ended: () => {
    applyInfo(Object.assign({}, info, { state: "ended", now_playing: null }), performance.now());
    poll();
  },
  giveUp: (why) => giveUp(why === "refused" ? LINK_REFUSED : LINK_UNKNOWN),
  known: () => Boolean(info),
  busy: () => {
    statusDetail = "busy";
  },
});

// ---------------------------------------------------------------------------
// The room's event stream: who is here, who is speaking, candles and hearts.
// It is open while the session is scheduled or live and someone can see the
// page or hear it. The roster and who is speaking are only ever as the open
// stream says; when it drops they are forgotten, and the counts stay as they
// were until the session info brings newer ones.

const events = eventFeed({
  url: () => `/api/v1/sessions/${encodeURIComponent(sessionId)}/events?t=${encodeURIComponent(token)}`,
  onMessage: roomMessages({
    state: (msg) => applyRoomState(msg),
    speaking: (ids) => applySpeaking(ids),
    reaction: (r) => reactions.show(r.kind, r.name, false),
    caption: (msg) => onCaption(msg),
    ended: () => onEndedEvent(),
  }),
  retryDelay: eventsRetryDelay,
  onState: (state) => {
    hearth.events = state;
    if (state !== "open") forgetRoom();
    // Refused: the poll says why (not open yet, ended, or a link gone bad).
    if (state === "waiting") poll();
  },
});

const reactions = reactionStage({
  container: ui.reactions,
  announce: ui.announce,
  maxOnScreen: REACTIONS_ON_SCREEN,
  gapMs: REACTION_SHOW_GAP_MS,
});

// syncEvents opens the stream when it should be and is not, and closes it
// when nobody can see or hear the page: a phone in a pocket that is not
// playing has no use for it.
function syncEvents() {
  const open = !linkProblem && info && (info.state === "scheduled" || info.state === "live");
  const seen = want || document.visibilityState !== "hidden";
  if (!open || !seen) {
    events.close();
    return;
  }
  // A stream on its way or waiting to retry keeps its own pace.
  if (events.state() === "closed") events.open();
}

// eventsRetryDelay paces new tries after the server refused the stream or it
// failed for good: never once the session is over.
function eventsRetryDelay(n) {
  if (linkProblem || !info || info.state === "ended") return -1;
  const steps = info.state === "scheduled" ? EVENTS_DOORS_MS : EVENTS_BACKOFF_MS;
  const base = steps[Math.min(n, steps.length - 1)];
  // A little spread, so that a room full of phones does not return in step.
  return Math.round(base * (0.85 + 0.3 * Math.random()));
}

// closeRoom is the end of the room for this page: the session ended or the
// link stopped working.
function closeRoom() {
  events.close();
  forgetRoom();
  reactions.clear();
}

function forgetRoom() {
  heardRoom = false;
  lastCaption = null;
  roster = [];
  hearth.roster = roster;
  speakingNow = new Set();
  speakingUntil.clear();
  renderCircle();
}

function applyRoomState(msg) {
  heardRoom = true;
  const st = parseState(msg);
  roster = st.roster;
  hearth.roster = roster;
  counts = { members: roster.length, listeners: st.listeners };
  if (st.hasNowPlaying) {
    nowPlaying = st.nowPlaying;
    nowPlayingAt = performance.now();
    render();
  }
  applySpeaking([...st.speaking]);
}

// applySpeaking takes who speaks now. Someone who just stopped stays on the
// line a moment (SPEAKING_HOLD_MS), so a pause between words is not a change.
/** @param {string[]} ids */
function applySpeaking(ids) {
  const now = performance.now();
  const next = new Set(ids);
  for (const id of speakingNow) if (!next.has(id)) speakingUntil.set(id, now + SPEAKING_HOLD_MS);
  for (const id of next) speakingUntil.delete(id);
  speakingNow = next;
  for (const m of roster) m.speaking = next.has(m.id);
  renderCircle();
}

function onCaption(msg) {
  lastCaption = msg;
  if (want) collage.caption(msg);
}

// onEndedEvent asks the server before the page says goodbye: the room also
// closes when the server restarts, and a session that carries on after the
// restart has not ended. The poll decides, as it does for every end, and
// answers within a round trip when the session is really over.
function onEndedEvent() {
  poll();
}

// ---------------------------------------------------------------------------
// Rendering

function setConnState(state) {
  hearth.state = state;
  renderButton();
  renderStatus();
}

function renderStatus() {
  const s = hearth.state;
  let text = "";
  let kind = "";
  const detail =
    statusDetail === "busy"
      ? " Hearth is busy right now. We’ll keep trying."
      : statusDetail === "offline"
        ? " Waiting for your internet connection."
        : "";
  switch (s) {
    case "connecting":
      text = "Connecting..." + detail;
      kind = "wait";
      break;
    case "reconnecting":
      text = "Reconnecting..." + detail;
      kind = "wait";
      break;
    case "waiting":
      text = "Waiting for the session to begin. The sound will start by itself.";
      kind = "wait";
      break;
    case "listening":
      text = info && info.state === "scheduled" ? "Listening. The sound will begin when the session starts." : "Listening";
      kind = "ok";
      break;
    case "stopped":
      text = "Stopped. Press Listen to hear it again.";
      break;
    case "blocked":
      text = "Your browser paused the sound. Press Listen to hear it again.";
      break;
    case "unavailable":
      if (!hasWebRTC && !linkProblem) text = NO_WEBRTC;
      break;
    case "idle":
      if (info && info.state === "scheduled") text = "Press Listen now and the sound will start by itself.";
      else if (info && info.state === "live") text = "Press Listen whenever you are ready.";
      break;
  }
  setText(ui.status, text);
  setData(ui.status, "kind", kind);
}

function renderButton() {
  const ended = info && info.state === "ended";
  ui.listen.disabled = Boolean(linkProblem || ended || !hasWebRTC);
  ui.listen.setAttribute("aria-pressed", want ? "true" : "false");
  setText(ui.listenLabel, want ? "Stop" : "Listen");
}

function render() {
  const title = renderTitle(ui.title, info, Boolean(linkProblem));
  // The view decides which parts of the page are shown at all (see style.css).
  let view = "loading";
  if (linkProblem) view = "problem";
  else if (info && ["scheduled", "live", "ended"].includes(info.state)) view = info.state;
  setData(ui.page, "view", view);
  const docTitle = info ? `${title} · Hearth` : "Listen · Hearth";
  if (document.title !== docTitle) document.title = docTitle;

  let state = "";
  let kind = "";
  if (linkProblem) {
    state = linkProblem;
  } else if (!info) {
    state = poller.trouble() ? "We can’t reach Hearth right now. We’ll keep trying." : "Getting things ready…";
  } else if (info.state === "scheduled") {
    state = `Starts ${startsPhrase(info.starts_at, poller.serverNow())} — you can wait here, it will begin by itself.`;
  } else if (info.state === "live") {
    const paused = nowPlaying && nowPlaying.paused;
    state = paused ? "Paused by the host" : "Live";
    kind = paused ? "" : "live";
  } else if (info.state === "ended") {
    state = ENDED;
  } else {
    state = "Getting things ready…";
  }
  setText(ui.state, state);
  setData(ui.state, "kind", kind);
  const ended = Boolean(info && info.state === "ended");
  renderSessionLinks(ui, info, Boolean(linkProblem) || ended);
  // An ended session leads on: the circle's next session and its support.
  renderAfterwards(ui, info, !linkProblem && ended, poller.serverNow());
  renderButton();
  renderCircle();
  tick();
  updateMediaSession();
}

// tick updates what moves with time: the countdown, the progress, and the
// speaking line as the names of those who stopped leave it.
function tick() {
  renderCountdown();
  renderNowPlaying();
  renderSpeaking();
}

function renderCountdown() {
  let text = "";
  if (!linkProblem && info && info.state === "scheduled") {
    const starts = Date.parse(info.starts_at);
    if (Number.isFinite(starts)) {
      const left = starts - (poller.serverNow());
      text = left > 0 ? `Begins in ${countdownPhrase(left)}` : "Starting any moment now.";
    }
  } else if (!linkProblem && info && info.state === "live") {
    // Who is here has its own line under this one.
    if (nowPlaying && nowPlaying.paused) text = "It will carry on by itself.";
  } else if (!linkProblem && info && info.state === "ended") {
    text = "You can close this page whenever you like.";
  }
  setText(ui.countdown, text);
}

function renderNowPlaying() {
  const np = !linkProblem && info && info.state === "live" ? nowPlaying : null;
  let empty = "Nothing is playing yet";
  if (linkProblem || (info && info.state === "ended")) empty = "Nothing is playing";
  else if (info && info.state === "live") empty = "A quiet moment between pieces";
  else if (info && info.state === "scheduled") empty = "Nothing yet. It will start by itself.";
  fillNowPlaying(ui, np, nowPlayingAt, empty);
}

// renderCircle says how many are here. Before the start it says so once
// somebody has come.
function renderCircle() {
  const { members, listeners } = counts;
  hearth.listeners = listeners;
  let text = "";
  if (!linkProblem && info && (info.state === "live" || (info.state === "scheduled" && members + listeners > 0))) {
    text = circlePhrase(members, listeners);
  }
  setText(ui.people, text);
  renderSpeaking();
}

function renderSpeaking() {
  const now = performance.now();
  const names = [];
  for (const m of roster) {
    const until = speakingUntil.get(m.id);
    if (m.muted || !(speakingNow.has(m.id) || (until && until > now))) continue;
    // A host in the room is named as such: "Maria (host) is speaking".
    names.push(speakerName(m));
  }
  for (const [id, until] of speakingUntil) if (until <= now) speakingUntil.delete(id);
  setText(ui.speakingText, speakingPhrase(names));
  setData(ui.speaking, "on", names.length ? "true" : "");
}

// ---------------------------------------------------------------------------
// Lock screen and headset controls, where the browser offers them.

// The lock screen's and headset's controls, where the browser offers them.
const showMedia = mediaSession({
  play: () => startListening(),
  pause: () => stopListening(),
  stop: () => stopListening(),
});

function updateMediaSession() {
  const np = info && info.state === "live" && nowPlaying ? nowPlaying.title : "";
  showMedia(want ? "playing" : "paused", np, info && info.title);
}

// ---------------------------------------------------------------------------
// Wiring

function setup() {
  ui.listen.addEventListener("click", () => {
    if (want) stopListening();
    else startListening();
  });
  setupVolume(ui.volume, ui.volumeHint, (v) => {
    volume = v;
    if (hearth.audio) hearth.audio.volume = v;
  });

  pageLifecycle({
    win: window,
    doc: document,
    poll,
    wanted: () => want,
    conn,
    // The stream follows whether anyone can see or hear the page.
    visibility: () => syncEvents(),
    visible: () => {
      if (hearth.audio && hearth.audio.paused) playAudio();
      if (conn.waiting()) conn.reconnectNow();
    },
    online: () => {
      statusDetail = "";
    },
    offline: () => {
      statusDetail = "offline";
      renderStatus();
    },
    tick,
  });

  if (linkProblem || !hasWebRTC) hearth.state = "unavailable";
  render();
  renderStatus();
  if (!linkProblem) poll();
}

setup();
