// @ts-check
// Pieces of the pages' screens that the listen and join pages share: DOM
// setters that only touch what changed, the now-playing block with its
// progress bar, icons, and candles and hearts shown softly at the bottom of
// the screen. The connection and the room's events are in live.js.
//
// Nothing here talks to anything but this server.

import { clock, nextSessionPhrase, partPhrase, reactionsPhrase, reactionsSummary } from "./text.js";

/**
 * @typedef {object} Member
 * @property {string} id
 * @property {string} name
 * @property {boolean} muted
 * @property {boolean} hand
 * @property {number} handAt   when the hand went up (unix ms), 0 if not known
 * @property {boolean} host
 * @property {boolean} speaking
 */

/**
 * parseRoster takes the roster of a "state" message as the pages (and the
 * dashboard's live view) keep it, with anything malformed left out. It is
 * here rather than in live.js so the dashboard need not load the connection.
 * @param {unknown} raw
 * @returns {Member[]}
 */
export function parseRoster(raw) {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((m) => m && typeof m === "object" && m.id !== undefined && m.id !== null)
    .map((m) => ({
      id: String(m.id),
      name: typeof m.name === "string" ? m.name : "",
      muted: Boolean(m.muted),
      hand: Boolean(m.hand),
      handAt: Number.isFinite(Number(m.hand_at)) ? Number(m.hand_at) : 0,
      host: Boolean(m.host),
      speaking: Boolean(m.speaking),
    }));
}

/**
 * handsFirst orders a roster for the person who gives the word: raised hands
 * first, in the order they went up (hand_at; a raised hand without a time
 * comes after those with one), then hosts, then everyone else by name. The
 * server lists members in no lasting order, so without this rows would move
 * each time someone joins or leaves. A new array; the roster is left as it was.
 * @template {Member} M
 * @param {M[]} roster
 * @returns {M[]}
 */
export function handsFirst(roster) {
  const at = (/** @type {Member} */ m) => (m.handAt > 0 ? m.handAt : Number.MAX_SAFE_INTEGER);
  const byName = (/** @type {Member} */ a, /** @type {Member} */ b) =>
    a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const up = roster.filter((m) => m.hand).sort((a, b) => at(a) - at(b) || byName(a, b));
  const rest = roster.filter((m) => !m.hand).sort((a, b) => Number(b.host) - Number(a.host) || byName(a, b));
  return [...up, ...rest];
}

/**
 * speakerName is how a page names someone in a sentence: their name, or
 * "Someone", with "(host)" after a host's.
 * @param {Pick<Member, "name" | "host">} m
 */
export function speakerName(m) {
  const name = (m.name || "").trim() || "Someone";
  return m.host ? `${name} (host)` : name;
}

// The setters touch the DOM only on change, so live regions are not
// re-announced and nothing re-lays out for no reason.
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function setAttr(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

export function setData(node, key, value) {
  if (value) {
    if (node.dataset[key] !== value) node.dataset[key] = value;
  } else if (key in node.dataset) {
    delete node.dataset[key];
  }
}

// renderNowPlaying fills the now-playing block. ui holds now, nowTitle,
// progress, fill, elapsed and remaining; np is the server's now_playing object
// (or null) as it was at stampedAt (performance.now()); emptyText is what to
// say when nothing plays. Progress is interpolated on the monotonic clock, so
// a wrong or changed device clock cannot move it. During a program part with
// no playlist (np.part and no title) the block names the part and its time
// left, "Sharing circle · 12 min left", with no clock running.
/**
 * @param {any} ui
 * @param {any} np
 * @param {number} stampedAt
 * @param {string} emptyText
 */
export function renderNowPlaying(ui, np, stampedAt, emptyText) {
  if (!np) {
    setText(ui.nowTitle, emptyText);
    setData(ui.now, "empty", "true");
    setProgress(ui, 0, 0);
    return;
  }
  const title = typeof np.title === "string" ? np.title.trim() : "";
  const part = np.part && typeof np.part === "object" ? np.part : null;
  if (!title) {
    let text = emptyText;
    if (part) {
      let left = part.remaining_ms === null || part.remaining_ms === undefined ? null : Number(part.remaining_ms);
      if (left !== null && !np.paused) left -= performance.now() - stampedAt;
      text = partPhrase(typeof part.name === "string" ? part.name : "", left);
    }
    setText(ui.nowTitle, text);
    setData(ui.now, "empty", part ? "part" : "true");
    setAttr(ui.progress, "aria-valuemax", "0");
    setAttr(ui.progress, "aria-valuenow", "0");
    setAttr(ui.progress, "aria-valuetext", text);
    setText(ui.elapsed, "");
    setText(ui.remaining, "");
    ui.fill.style.transform = "scaleX(0)";
    return;
  }
  setData(ui.now, "empty", "false");
  setText(ui.nowTitle, title);
  const duration = Math.max(0, Number(np.duration_ms) || 0);
  let pos = Math.max(0, Number(np.position_ms) || 0);
  if (!np.paused) pos += performance.now() - stampedAt;
  if (duration > 0) pos = Math.min(pos, duration);
  setProgress(ui, pos, duration);
}

// ownURL is raw as an address on this server (or its webcal: twin for a
// calendar), or "" for anything else: the pages link only to their own server.
/** @param {unknown} raw */
export function ownURL(raw) {
  if (typeof raw !== "string" || !raw) return "";
  try {
    const u = new URL(raw, location.href);
    if (u.origin === location.origin) return u.href;
    if (u.protocol === "webcal:" && u.host === location.host) return u.href;
  } catch {
    // Not an address.
  }
  return "";
}

// renderSessionLinks shows the links the session info offers: the memorial
// collage's contribution page (only for a memorial whose collage takes
// photos and songs) and "Add to calendar" (the session's .ics, offered only
// while the session is still to come: once it is live the person is there, and
// the link would only push the room down the screen). over hides both: the
// session ended or the link stopped working.
/**
 * @param {{contribute: HTMLElement, contributeLink: HTMLAnchorElement, calendar: HTMLElement, calendarLink: HTMLAnchorElement}} ui
 * @param {any} info
 * @param {boolean} over
 */
export function renderSessionLinks(ui, info, over) {
  const contribute = !over && info && info.memorial === true ? ownURL(info.contribute_url) : "";
  if (contribute && ui.contributeLink.getAttribute("href") !== contribute) ui.contributeLink.href = contribute;
  ui.contribute.hidden = !contribute;
  const calendar = !over && info && info.state === "scheduled" ? ownURL(info.calendar_url) : "";
  if (calendar && ui.calendarLink.getAttribute("href") !== calendar) ui.calendarLink.href = calendar;
  ui.calendar.hidden = !calendar;
}

// renderAfterwards fills an ended page's way on: the circle's next session
// and its support text, each hidden when the session info has none.
/**
 * @param {{nextSession: HTMLElement, supportText: HTMLElement}} ui
 * @param {any} info
 * @param {boolean} ended
 * @param {number} now  ms since the epoch, on the server's clock
 */
export function renderAfterwards(ui, info, ended, now) {
  const next = ended && info ? nextSessionPhrase(info.next_session, now) : "";
  setText(ui.nextSession, next);
  ui.nextSession.hidden = !next;
  const support = ended && info && typeof info.support_text === "string" ? info.support_text.trim() : "";
  setText(ui.supportText, support);
  ui.supportText.hidden = !support;
}

function setProgress(ui, posMs, durMs) {
  const pos = Math.floor(posMs / 1000);
  const dur = Math.round(durMs / 1000);
  const bar = ui.progress;
  if (dur > 0) {
    setAttr(bar, "aria-valuemax", String(dur));
    setAttr(bar, "aria-valuenow", String(Math.min(pos, dur)));
    setAttr(bar, "aria-valuetext", `${clock(pos)} of ${clock(dur)}`);
    setText(ui.remaining, `${clock(Math.max(0, dur - pos))} left`);
    ui.fill.style.transform = `scaleX(${Math.min(1, posMs / durMs).toFixed(4)})`;
  } else {
    // Unknown length: say how long it has played, with no bar to fill.
    setAttr(bar, "aria-valuemax", "0");
    setAttr(bar, "aria-valuenow", "0");
    setAttr(bar, "aria-valuetext", posMs > 0 ? `${clock(pos)} played` : "Not started");
    setText(ui.remaining, "");
    ui.fill.style.transform = "scaleX(0)";
  }
  setText(ui.elapsed, clock(pos));
}

// ---------------------------------------------------------------------------
// Icons drawn by the scripts (the pages' own icons are in their HTML).

const SVG_NS = "http://www.w3.org/2000/svg";

export const ICON_SPEAKING = "M5 10v4M9.5 7v10M14 4.5v15M18.5 8.5v7";
const ICON_CANDLE =
  "M12 2.5c1.7 1.9 2.5 3.3 2.5 4.6a2.5 2.5 0 0 1-5 0c0-1.3.8-2.7 2.5-4.6ZM11.2 9.6h1.6v1.6h-1.6ZM9.5 11.2h5a1.2 1.2 0 0 1 1.2 1.2v7.9a1.2 1.2 0 0 1-1.2 1.2h-5a1.2 1.2 0 0 1-1.2-1.2v-7.9a1.2 1.2 0 0 1 1.2-1.2Z";
const ICON_HEART = "M12 20.3s-7.6-4.6-7.6-10.3A4.3 4.3 0 0 1 12 7.4a4.3 4.3 0 0 1 7.6 2.6c0 5.7-7.6 10.3-7.6 10.3Z";

// svgIcon draws path d in a 24-unit box, size pixels wide, hidden from
// screen readers (the words next to it say the same). A stroked icon is an
// outline; otherwise it is filled.
export function svgIcon(d, size, stroked) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG_NS, "path");
  if (stroked) {
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
  } else {
    path.setAttribute("fill", "currentColor");
  }
  path.setAttribute("d", d);
  svg.appendChild(path);
  return svg;
}

// ---------------------------------------------------------------------------
// Candles and hearts: a soft line near the bottom of the screen that fades in,
// stays a few seconds and fades out (style.css keeps only the fade when the
// person prefers reduced motion), and a polite word to screen readers.

const REACTION_SHOW_MS = 3600;
const REACTION_FADE_MS = 1200;
const REACTION_STALE_MS = 8000; // what waited longer than this is old news
const REACTION_FOLD = 3; // this many waiting become one line: "3 candles from the group"
const ANNOUNCE_GAP_MS = 8000;

// reactionStage shows reactions in container and says them in announce (an
// aria-live=polite element). However fast they come, a new line appears at
// most every gapMs and at most maxOnScreen are shown: a burst is folded into
// one line, so a room full of candles stays calm. The person's own reaction
// (mine) is shown at once, since they are waiting to see it.
export function reactionStage({ container, announce, maxOnScreen, gapMs }) {
  let waiting = [];
  let pumpTimer = 0;
  let lastShownAt = -Infinity;
  let announceQueue = [];
  let announceTimer = 0;
  let lastAnnounceAt = -Infinity;
  const hideTimers = new WeakMap();

  function show(kind, name, mine) {
    // A hidden page would only pile them up for later.
    if (document.visibilityState === "hidden") return;
    const r = { kind, name, mine, at: performance.now() };
    if (mine) {
      place([r]);
    } else {
      waiting.push(r);
      pump();
    }
    queueAnnouncement(r);
  }

  function pump() {
    if (pumpTimer) return;
    const now = performance.now();
    waiting = waiting.filter((r) => now - r.at < REACTION_STALE_MS);
    if (waiting.length === 0) return;
    const wait = lastShownAt + gapMs - now;
    if (wait > 0) {
      pumpTimer = setTimeout(() => {
        pumpTimer = 0;
        pump();
      }, wait);
      return;
    }
    const batch = waiting.length >= REACTION_FOLD ? waiting : [waiting[0]];
    waiting = waiting.slice(batch.length);
    place(batch);
    if (waiting.length) pump();
  }

  function place(batch) {
    lastShownAt = performance.now();
    const candles = batch.filter((r) => r.kind !== "heart").length;
    const kind = candles * 2 >= batch.length ? "candle" : "heart";
    const node = document.createElement("div");
    node.className = "reaction";
    node.dataset.kind = kind;
    const icon = svgIcon(kind === "heart" ? ICON_HEART : ICON_CANDLE, 22, false);
    icon.classList.add("reaction-icon");
    node.appendChild(icon);
    const text = document.createElement("span");
    text.className = "reaction-text";
    text.textContent = reactionsPhrase(batch);
    node.appendChild(text);
    // The oldest line makes room by fading out early, never by vanishing.
    const shown = [...container.children].filter((n) => !n.classList.contains("out"));
    for (let i = 0; i <= shown.length - maxOnScreen; i++) leave(shown[i]);
    container.appendChild(node);
    // Next frame, so the fade-in runs from the starting style.
    requestAnimationFrame(() => requestAnimationFrame(() => node.classList.add("in")));
    hideTimers.set(node, setTimeout(() => leave(node), REACTION_SHOW_MS));
  }

  function leave(node) {
    if (node.classList.contains("out")) return;
    clearTimeout(hideTimers.get(node));
    node.classList.remove("in");
    node.classList.add("out");
    setTimeout(() => node.remove(), REACTION_FADE_MS);
  }

  // Screen readers hear reactions politely and not too often: a burst becomes
  // one sentence, at most one every few seconds.
  function queueAnnouncement(r) {
    announceQueue.push(r);
    if (announceTimer) return;
    const wait = Math.max(0, lastAnnounceAt + ANNOUNCE_GAP_MS - performance.now());
    announceTimer = setTimeout(flushAnnouncements, Math.max(wait, 400));
  }

  function flushAnnouncements() {
    announceTimer = 0;
    const text = reactionsSummary(announceQueue);
    announceQueue = [];
    if (!text) return;
    lastAnnounceAt = performance.now();
    announce.textContent = "";
    setTimeout(() => {
      announce.textContent = text;
    }, 60);
  }

  // clear takes everything away at once: the room is over.
  function clear() {
    clearTimeout(pumpTimer);
    pumpTimer = 0;
    waiting = [];
    clearTimeout(announceTimer);
    announceTimer = 0;
    announceQueue = [];
    for (const node of [...container.children]) leave(node);
  }

  return { show, clear };
}

// ---------------------------------------------------------------------------
// Sound: the elements that play the room, the volume, the lock screen.

// newAudio makes a hidden element that plays a remote stream at volume.
// Chromium plays remote WebRTC audio only through media elements.
/**
 * @param {HTMLElement} parent
 * @param {number} volume
 * @returns {HTMLAudioElement}
 */
export function newAudio(parent, volume) {
  const audio = document.createElement("audio");
  audio.autoplay = true;
  audio.setAttribute("playsinline", "");
  audio.setAttribute("autoplay", "");
  audio.volume = volume;
  parent.appendChild(audio);
  return audio;
}

// playsTrack reports whether the element already plays this track, so that
// ontrack does not reload the element with the same sound.
/**
 * @param {HTMLMediaElement | null | undefined} audio
 * @param {MediaStreamTrack} track
 */
export function playsTrack(audio, track) {
  const current = audio && audio.srcObject;
  return Boolean(current && current instanceof MediaStream && current.getTracks().includes(track));
}

// playOrBlocked starts an element; onBlocked runs when the browser refuses
// sound without a tap while the page is in sight (a refusal while it is
// hidden is retried when it is shown again). AbortError only means a newer
// stream replaced this one.
/**
 * @param {HTMLMediaElement} audio
 * @param {() => void} onBlocked
 */
export function playOrBlocked(audio, onBlocked) {
  const p = audio.play();
  if (p && typeof p.catch === "function") {
    p.catch((err) => {
      if (err && err.name === "NotAllowedError" && document.visibilityState === "visible") onBlocked();
    });
  }
}

// setupVolume wires the volume slider: apply gets 0..1 at once and on every
// change. iOS ignores element volume and always reads back 1; the hint says
// so instead of leaving a slider that seems broken.
/**
 * @param {HTMLInputElement} input
 * @param {HTMLElement} hint
 * @param {(volume: number) => void} apply
 */
export function setupVolume(input, hint, apply) {
  const probe = document.createElement("audio");
  probe.volume = 0.5;
  if (probe.volume !== 0.5) setText(hint, "On this device, use the volume buttons on the side.");
  const onChange = () => apply(Math.min(1, Math.max(0, Number(input.value) / 100)));
  input.addEventListener("input", onChange);
  input.addEventListener("change", onChange);
  onChange();
}

// mediaSession gives the lock screen's and headset's buttons to handlers,
// where the browser offers them, and returns update, which tells the phone
// what plays (the piece, or the session) and whether it is heard.
/**
 * @param {Partial<Record<MediaSessionAction, () => void>>} handlers
 * @returns {(state: MediaSessionPlaybackState, piece: unknown, session: unknown) => void}
 */
export function mediaSession(handlers) {
  const ms = typeof navigator !== "undefined" ? navigator.mediaSession : undefined;
  if (!ms) return () => {};
  for (const [action, fn] of Object.entries(handlers)) {
    try {
      ms.setActionHandler(/** @type {MediaSessionAction} */ (action), fn || null);
    } catch {
      // Not supported here.
    }
  }
  const words = (/** @type {unknown} */ s) => (typeof s === "string" ? s.trim() : "");
  let shown = "";
  return (state, piece, session) => {
    try {
      ms.playbackState = state;
      const name = words(session) || "Hearth";
      const title = words(piece) || name;
      const key = `${title}\n${name}`;
      if (key !== shown && typeof MediaMetadata === "function") {
        shown = key;
        ms.metadata = new MediaMetadata({ title, artist: name, album: "Hearth" });
      }
    } catch {
      // Optional.
    }
  };
}

// renderTitle puts the session's title in the heading (smaller when long) and
// returns it: "Your session" until the info comes, and a plain sentence when
// the link never opened anything.
/**
 * @param {HTMLElement} node
 * @param {any} info
 * @param {boolean} problem
 */
export function renderTitle(node, info, problem) {
  let title = info && typeof info.title === "string" && info.title.trim() ? info.title.trim() : "Your session";
  if (problem && !info) title = "We couldn’t open this session";
  setText(node, title);
  setData(node, "long", title.length > 48 ? "true" : "");
  return title;
}

// ---------------------------------------------------------------------------
// What both live pages have.

// TICK_MS is how often the pages redraw what moves with time (progress,
// countdowns, the speaking line).
export const TICK_MS = 500;

// liveElements looks up the parts of the screen the join and listen pages
// both have, by the ids their HTML shares.
/** @param {Document} doc */
export function liveElements(doc) {
  const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (doc.getElementById(id));
  return {
    page: /** @type {HTMLElement} */ (doc.querySelector("main")),
    title: el("title"),
    state: el("state"),
    status: el("status"),
    now: el("now"),
    nowTitle: el("now-title"),
    progress: el("progress"),
    fill: el("progress-fill"),
    elapsed: el("elapsed"),
    remaining: el("remaining"),
    volume: /** @type {HTMLInputElement} */ (el("volume")),
    volumeHint: el("volume-hint"),
    nextSession: el("next-session"),
    supportText: el("support-text"),
    contribute: el("contribute"),
    contributeLink: /** @type {HTMLAnchorElement} */ (el("contribute-link")),
    calendar: el("calendar"),
    calendarLink: /** @type {HTMLAnchorElement} */ (el("calendar-link")),
    reactions: el("reactions"),
    announce: el("announce"),
    video: /** @type {HTMLVideoElement} */ (el("collage-video")),
  };
}

/**
 * pageLifecycle follows a live page as the phone comes and goes, the same way
 * on both pages. Shown again: poll, and (while the person wants the room)
 * visible(). The network back: poll, and while wanted and not connected,
 * online() and an attempt at once. The network gone while wanted and not
 * connected: offline(). Hidden for good (pagehide): leave politely, the DELETE
 * sent with keepalive so it outlives the page. Back from the back/forward
 * cache: poll, and while wanted a fresh connection and restored(). tick() runs
 * every TICK_MS while the page can be seen.
 * @param {{
 *   win: Window,
 *   doc: Document,
 *   poll: () => void,
 *   wanted: () => boolean,
 *   conn: {reconnectNow(): void, restart(): void, drop(sayGoodbye: boolean): void, isConnected(): boolean},
 *   visibility?: () => void,
 *   visible?: () => void,
 *   online?: () => void,
 *   offline: () => void,
 *   restored?: () => void,
 *   tick: () => void,
 * }} o
 */
export function pageLifecycle(o) {
  const seen = () => o.doc.visibilityState === "visible";
  o.doc.addEventListener("visibilitychange", () => {
    if (o.visibility) o.visibility();
    if (!seen()) return;
    o.poll();
    if (o.wanted() && o.visible) o.visible();
  });
  o.win.addEventListener("online", () => {
    o.poll();
    if (!o.wanted() || o.conn.isConnected()) return;
    if (o.online) o.online();
    o.conn.reconnectNow();
  });
  o.win.addEventListener("offline", () => {
    if (o.wanted() && !o.conn.isConnected()) o.offline();
  });
  o.win.addEventListener("pagehide", () => {
    if (o.wanted()) o.conn.drop(true);
  });
  o.win.addEventListener("pageshow", (event) => {
    if (!(/** @type {PageTransitionEvent} */ (event).persisted)) return;
    o.poll();
    if (!o.wanted()) return;
    o.conn.restart();
    if (o.restored) o.restored();
  });
  return o.win.setInterval(() => {
    if (seen()) o.tick();
  }, TICK_MS);
}

/**
 * toaster shows one short message at a time in el (a polite live region) for
 * ms, then fades it (the stylesheet's data-show) and clears its words once it
 * is gone. A new message replaces the one showing and starts the time again.
 * @param {HTMLElement} el
 * @param {number} ms
 * @returns {(text: string) => void}
 */
export function toaster(el, ms) {
  let timer = 0;
  return (text) => {
    clearTimeout(timer);
    setText(el, text);
    setData(el, "show", "true");
    timer = setTimeout(() => {
      setData(el, "show", "");
      setTimeout(() => {
        if (!el.dataset.show) setText(el, "");
      }, 800);
    }, ms);
  };
}
