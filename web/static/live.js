// @ts-check
// The live pages' link to a room, without any DOM: the join page and the
// listen page each draw their own screen and hand this module the rest.
//
//   connection()      one RTCPeerConnection to the server at a time: the offer
//                     (all candidates, no trickle), the POST, the answer, the
//                     connection's health, and reconnection with backoff.
//   eventFeed()       the room's event stream (SSE) for pages without a data
//                     channel, with its own retries.
//   parseState()      a room "state" message as the pages keep it.
//   holds()           the host's holds on a member's microphone and their
//                     release (docs/PROTOCOL.md, "Holds").
//   fetchSessionInfo  the session's public info, timed.
//   sessionPoller()   that info now and then, one request at a time, with the
//                     server clock's offset from the device's.
//   parseReaction()   a candle or a heart from the room.
//
// Timers, fetch, EventSource and RTCPeerConnection come from env, so the
// module runs under node with fakes (live.test.js). Nothing here talks to
// anything but this server.

import { parseRoster } from "./shared.js";

/** @typedef {import("./shared.js").Member} Member */

/**
 * @typedef {object} Env
 * @property {(fn: () => void, ms: number) => any} setTimeout
 * @property {(id: any) => void} clearTimeout
 * @property {() => number} now        a monotonic clock in ms
 * @property {() => number} random     in [0, 1)
 * @property {() => boolean} online    false when the device knows it is offline
 * @property {typeof fetch} fetch
 * @property {(config: RTCConfiguration) => RTCPeerConnection} newPeer
 * @property {((url: string) => EventSource) | null} newEventSource
 * @property {string} base             the page's address, for relative Locations
 */

/** @returns {Env} the browser's own. */
export function browserEnv() {
  return {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id),
    now: () => performance.now(),
    random: () => Math.random(),
    online: () => typeof navigator === "undefined" || navigator.onLine !== false,
    fetch: (input, init) => fetch(input, init),
    newPeer: (config) => new RTCPeerConnection(config),
    newEventSource: typeof EventSource === "function" ? (url) => new EventSource(url) : null,
    base: typeof location === "undefined" ? "" : location.href,
  };
}

/**
 * backoffDelay is the wait before try n (0-based): steps[n], the last step
 * once past the end, spread by up to +spread (a fraction) so that a room full
 * of phones does not come back in step.
 * @param {number[]} steps
 * @param {number} n
 * @param {() => number} random
 * @param {number} [spread]
 */
export function backoffDelay(steps, n, random, spread = 0.15) {
  const base = steps[Math.min(Math.max(0, n), steps.length - 1)];
  return Math.round(base * (1 - spread + spread * random()));
}

/**
 * gathered resolves when ICE gathering is complete, or after maxMs: the server
 * wants every candidate in the offer (no trickle), and a slow network
 * interface must not hold the person up for long.
 * @param {RTCPeerConnection} pc
 * @param {number} maxMs
 * @param {Pick<Env, "setTimeout" | "clearTimeout">} [env]
 * @returns {Promise<void>}
 */
export function gathered(pc, maxMs, env = browserEnv()) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      env.clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", onState);
      pc.removeEventListener("icecandidate", onCandidate);
      resolve();
    };
    const onState = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    /** @param {RTCPeerConnectionIceEvent} e */
    const onCandidate = (e) => {
      if (!e.candidate) done();
    };
    const timer = env.setTimeout(done, maxMs);
    pc.addEventListener("icegatheringstatechange", onState);
    pc.addEventListener("icecandidate", onCandidate);
  });
}

/**
 * @typedef {object} Auth
 * @property {Record<string, string>} headers   sent with the offer and the goodbye
 * @property {RequestCredentials} credentials   "omit" for a link's token; "same-origin" for a signed-in host
 */

/**
 * bearerAuth is how the pages prove who they are: the link's token, no cookies.
 * @param {string} token
 * @returns {Auth}
 */
export function bearerAuth(token) {
  return { headers: { Authorization: `Bearer ${token}` }, credentials: "omit" };
}

/**
 * deleteResource tells the server we are gone. keepalive lets it finish after
 * the page is hidden or unloaded.
 * @param {string} url
 * @param {string | Auth} auth  the link's token, or the credentials the offer went with
 * @param {typeof fetch} [fetchFn]
 */
export function deleteResource(url, auth, fetchFn = (i, o) => fetch(i, o)) {
  if (!url) return;
  const how = typeof auth === "string" ? bearerAuth(auth) : auth;
  try {
    fetchFn(url, {
      method: "DELETE",
      headers: { ...how.headers },
      keepalive: true,
      cache: "no-store",
      credentials: how.credentials,
    }).catch(() => {});
  } catch {
    // Nothing more we can do; the server times the resource out.
  }
}

/**
 * fetchSessionInfo asks for a session's public info (GET /api/v1/listen/{id})
 * and times the round trip: the server stamped server_time somewhere in its
 * middle, so the midpoint (on the wall clock and the monotonic one) is the
 * best guess of when. res is null when the request failed.
 * @param {string} sessionId
 * @param {Record<string, string>} headers
 * @param {AbortSignal} [signal]
 * @param {typeof fetch} [fetchFn]
 * @param {{now: () => number, wall: () => number}} [clock]  monotonic and wall clocks, ms
 */
export async function fetchSessionInfo(sessionId, headers, signal, fetchFn = (i, o) => fetch(i, o), clock = { now: () => performance.now(), wall: () => Date.now() }) {
  const wall0 = clock.wall();
  const t0 = clock.now();
  /** @type {Response | null} */
  let res = null;
  /** @type {any} */
  let body = null;
  try {
    res = await fetchFn(`/api/v1/listen/${encodeURIComponent(sessionId)}`, {
      headers,
      cache: "no-store",
      credentials: "omit",
      signal,
    });
    body = await res.json().catch(() => null);
  } catch {
    res = null;
  }
  const t1 = clock.now();
  return { res, body, wallMid: wall0 + (t1 - t0) / 2, monoMid: (t0 + t1) / 2 };
}

// ---------------------------------------------------------------------------
// Refusals

/**
 * @typedef {object} Refusal
 * @property {number} status
 * @property {string} code          the JSON body's code, or ""
 * @property {string} error         the JSON body's sentence, or ""
 * @property {number} retryAfterMs  Retry-After in ms (1-30 s), or 0
 * @property {"ended" | "denied" | "missing" | "name" | "invalid" | "doors" | "busy" | "retry"} kind
 */

/**
 * readRefusal reads a refused POST once: its status, the body's code and
 * sentence, Retry-After, and what it means for the page.
 *   ended    410: the session is over
 *   denied   401/403: this link may not do this
 *   missing  404
 *   name     400 or 409 about the display name: the person must change it;
 *            never retried
 *   invalid  400 otherwise: the same request would be refused again
 *   doors    409 otherwise: the room is not open yet
 *   busy     429/503: try again later, no sooner than retryAfterMs
 *   retry    anything else: try again with backoff
 * @param {Response} res
 * @returns {Promise<Refusal>}
 */
export async function readRefusal(res) {
  const status = res.status;
  let code = "";
  let error = "";
  try {
    const body = JSON.parse(await res.text());
    if (body && typeof body === "object") {
      if (typeof body.code === "string") code = body.code;
      if (typeof body.error === "string") error = body.error;
    }
  } catch {
    // Not JSON: the status says enough.
  }
  const after = Number.parseInt(res.headers.get("Retry-After") || "", 10);
  const retryAfterMs = Number.isFinite(after) ? Math.min(Math.max(after, 1), 30) * 1000 : 0;
  return { status, code, error, retryAfterMs, kind: refusalKind(status, code) };
}

/**
 * @param {number} status
 * @param {string} code
 * @returns {Refusal["kind"]}
 */
export function refusalKind(status, code) {
  if (code.startsWith("name_") && (status === 400 || status === 409)) return "name";
  switch (status) {
    case 400:
      return "invalid";
    case 410:
      return "ended";
    case 401:
    case 403:
      return "denied";
    case 404:
      return "missing";
    case 409:
      return "doors";
    case 429:
    case 503:
      return "busy";
  }
  return "retry";
}

// ---------------------------------------------------------------------------
// The connection

/**
 * @typedef {object} Attempt
 * @property {RTCPeerConnection} pc
 * @property {RTCRtpTransceiver | null} tx    the audio transceiver (set by setup)
 * @property {RTCDataChannel | null} dc       the data channel, if setup made one
 * @property {string} resource                the server's resource for this attempt
 * @property {string} replaces                the key of the attempt before it ("" for the first)
 * @property {boolean} done                   ended: late answers are ignored
 * @property {number} connectedAt             0 until connected
 * @property {boolean} closing                a retry after a close is on its way
 * @property {Record<string, any>} page       the page's own things for this attempt
 * @property {any} graceTimer
 * @property {any} connectTimer
 */

/**
 * @typedef {object} Timing
 * @property {number} gatherMs        longest wait for ICE gathering
 * @property {number} postTimeoutMs   longest wait for the POST's answer
 * @property {number} connectTimeoutMs an answered attempt that has not connected by then is retried
 * @property {number} graceMs         a "disconnected" that lasts this long is retried
 * @property {number} stableMs        a connection that lasted this long resets the backoff
 * @property {number} closeGraceMs    after the server closes, wait this long for its last word
 */

/**
 * LIVE_TIMING paces the live pages' connections. ICE gathering is cut short
 * at 1.5 s; an attempt that hangs (a POST lost with the network, ICE that
 * never connects) is given up on after 10 s, in time for the next one to
 * bring the person back; a "disconnected" that lasts 2 s is retried; 10 s
 * connected resets the backoff; after the server closes, 300 ms lets its last
 * word ("removed", "ended") arrive before we reconnect.
 * @type {Readonly<Timing>}
 */
export const LIVE_TIMING = Object.freeze({
  gatherMs: 1500,
  postTimeoutMs: 10000,
  connectTimeoutMs: 10000,
  graceMs: 2000,
  stableMs: 10000,
  closeGraceMs: 300,
});

/**
 * @typedef {object} ConnectionOptions
 * @property {(replaces?: string) => string} url where the offer is POSTed; replaces is the key of the
 *   connection this one takes over ("" or undefined for the first)
 * @property {() => string} token
 * @property {() => Auth} [auth]               in place of token: the dashboard's sign-in (its cookie and CSRF header)
 * @property {() => RTCIceServer[]} iceServers
 * @property {(a: Attempt) => void} setup        adds transceivers (sets a.tx, a.dc)
 * @property {(a: Attempt, e: RTCTrackEvent) => void} [onTrack]
 * @property {(a: Attempt) => void} [onAnswered] the server answered this attempt
 * @property {(a: Attempt) => void} onConnected
 * @property {(r: {delay: number, everConnected: boolean, offline: boolean}) => void} onRetrying
 * @property {(a: Attempt, r: Refusal) => void} onRefused  the page decides: retry, wait, stop
 * @property {(a: Attempt) => void} [onEnd]      an attempt ended (drop what belonged to it)
 * @property {() => void} onUnsupported          RTCPeerConnection could not be made
 * @property {() => boolean} [mayRetry]          false once the page knows it is over
 * @property {number[]} backoff
 * @property {Timing} [timing]                   by default LIVE_TIMING
 * @property {Env} [env]
 */

/**
 * preferStereo asks, in our own description, to receive Opus in stereo:
 * libwebrtc decodes two channels only when the receiver's own fmtp says
 * `stereo=1` (RFC 7587 section 7.1: the parameter speaks for its sender as a
 * receiver). Parameters already there are kept; a stereo=0 is left alone.
 * @param {string} sdp
 * @returns {string}
 */
export function preferStereo(sdp) {
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  const lines = sdp.split(eol);
  /** @type {Set<string>} */
  const opus = new Set();
  for (const l of lines) {
    const m = /^a=rtpmap:(\d+) opus\/48000/i.exec(l);
    if (m) opus.add(m[1]);
  }
  if (opus.size === 0) return sdp;
  /** @type {Set<string>} */
  const withFmtp = new Set();
  const out = lines.map((l) => {
    const m = /^a=fmtp:(\d+) (.*)$/.exec(l);
    if (!m || !opus.has(m[1])) return l;
    withFmtp.add(m[1]);
    if (/(^|;)\s*stereo=/.test(m[2])) return l;
    return `${l};stereo=1`;
  });
  // An Opus payload type with no fmtp line gets one after its rtpmap.
  for (let i = out.length - 1; i >= 0; i--) {
    const m = /^a=rtpmap:(\d+) opus\/48000/i.exec(out[i]);
    if (m && !withFmtp.has(m[1])) out.splice(i + 1, 0, `a=fmtp:${m[1]} stereo=1`);
  }
  return out.join(eol);
}

/**
 * resourceKey is the last path segment of a resource URL: the member's
 * private key on a join resource.
 * @param {string} url
 * @returns {string}
 */
export function resourceKey(url) {
  const path = url.split(/[?#]/)[0];
  const last = path.slice(path.lastIndexOf("/") + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return "";
  }
}

/**
 * connection keeps one RTCPeerConnection to the server at a time. start()
 * begins (runs up to its first await at once, so a tap can start audio);
 * when an attempt fails, is refused for a reason worth retrying, or drops,
 * the next one starts after a backoff with the same settings, without asking
 * the person anything. stop() ends it all.
 * @param {ConnectionOptions} o
 */
export function connection(o) {
  const env = o.env || browserEnv();
  const t = o.timing || LIVE_TIMING;
  let active = false;
  /** @type {Attempt | null} */
  let attempt = null;
  let failures = 0;
  let everConnected = false;
  let retryTimer = 0;
  let lastKey = ""; // the key of this visit's last resource

  const mayRetry = () => active && (!o.mayRetry || o.mayRetry());
  /** @returns {Auth} */
  const auth = () => (o.auth ? o.auth() : bearerAuth(o.token()));

  /** @param {Attempt | null} [a] */
  function isConnected(a = attempt) {
    const pc = a && a.pc;
    if (!pc) return false;
    if (typeof pc.connectionState === "string") return pc.connectionState === "connected";
    return pc.iceConnectionState === "connected" || pc.iceConnectionState === "completed";
  }

  function cancelRetry() {
    env.clearTimeout(retryTimer);
    retryTimer = 0;
  }

  /** startAttempt replaces the current attempt with a new one. */
  function startAttempt() {
    cancelRetry();
    endAttempt(true);
    // The server's key for our last connection, so a rejoin takes its own
    // place (and name) at once instead of waiting for the old one to time out.
    const replaces = lastKey;
    if (!active) return;
    let pc;
    try {
      pc = env.newPeer({ iceServers: o.iceServers() });
    } catch {
      active = false;
      o.onUnsupported();
      return;
    }
    /** @type {Attempt} */
    const a = {
      pc,
      tx: null,
      dc: null,
      resource: "",
      replaces,
      done: false,
      connectedAt: 0,
      closing: false,
      page: {},
      graceTimer: 0,
      connectTimer: 0,
    };
    attempt = a;
    o.setup(a);
    pc.ontrack = (event) => {
      if (attempt === a && o.onTrack) o.onTrack(a, event);
    };
    pc.onconnectionstatechange = () => onPeerState(a);
    pc.oniceconnectionstatechange = () => onPeerState(a);
    negotiate(a).catch(() => {
      if (attempt === a) retry(a);
    });
  }

  /** @param {Attempt} a */
  async function negotiate(a) {
    const pc = a.pc;
    const offer = await pc.createOffer();
    await pc.setLocalDescription({ type: "offer", sdp: preferStereo(offer.sdp || "") });
    await gathered(pc, t.gatherMs, env);
    if (a.done) return;
    const abort = new AbortController();
    const timer = env.setTimeout(() => abort.abort(), t.postTimeoutMs);
    let res;
    const how = auth();
    try {
      res = await env.fetch(o.url(a.replaces), {
        method: "POST",
        headers: { ...how.headers, "Content-Type": "application/sdp" },
        body: pc.localDescription ? pc.localDescription.sdp : "",
        cache: "no-store",
        credentials: how.credentials,
        signal: abort.signal,
      });
    } finally {
      env.clearTimeout(timer);
    }
    if (!res.ok) {
      const r = await readRefusal(res);
      if (a.done) return;
      o.onRefused(a, r);
      return;
    }
    const where = res.headers.get("Location");
    if (where) a.resource = new URL(where, res.url || env.base).href;
    if (a.done) {
      // Stopped while the offer was on its way: leave the resource we just got.
      deleteResource(a.resource, auth(), env.fetch);
      a.resource = "";
      return;
    }
    const sdp = await res.text();
    if (a.done) return;
    await pc.setRemoteDescription({ type: "answer", sdp });
    if (a.done) return;
    if (o.onAnswered) o.onAnswered(a);
    // When the server closes its side, DTLS says so at once; ICE would take
    // several seconds more to notice the silence.
    const receiver = pc.getReceivers()[0];
    const dtls = receiver && receiver.transport;
    if (dtls && typeof dtls.addEventListener === "function") {
      dtls.addEventListener("statechange", () => {
        if (attempt === a && (dtls.state === "closed" || dtls.state === "failed")) retrySoon(a);
      });
    }
    a.connectTimer = env.setTimeout(() => {
      if (attempt === a && !isConnected(a)) retry(a);
    }, t.connectTimeoutMs);
  }

  /** @param {Attempt} a */
  function onPeerState(a) {
    if (attempt !== a) return;
    const cs = a.pc.connectionState;
    const ice = a.pc.iceConnectionState;
    if (cs === "failed" || ice === "failed") {
      retry(a);
      return;
    }
    if (isConnected(a)) {
      env.clearTimeout(a.graceTimer);
      a.graceTimer = 0;
      env.clearTimeout(a.connectTimer);
      a.connectTimer = 0;
      if (!a.connectedAt) a.connectedAt = env.now();
      everConnected = true;
      o.onConnected(a);
      return;
    }
    if ((cs === "disconnected" || ice === "disconnected") && !a.graceTimer) {
      // Short drops often heal by themselves; give it a moment first.
      a.graceTimer = env.setTimeout(() => {
        a.graceTimer = 0;
        if (attempt === a && !isConnected(a)) retry(a);
      }, t.graceMs);
    }
  }

  /**
   * retry ends attempt a (or whatever is current, for null) and schedules the
   * next one with backoff, no sooner than minDelay.
   * @param {Attempt | null} a
   * @param {number} [minDelay]
   */
  function retry(a, minDelay = 0) {
    if (a && attempt !== a) return;
    if (a && a.connectedAt && env.now() - a.connectedAt > t.stableMs) failures = 0;
    endAttempt(true);
    if (!mayRetry()) return;
    const delay = Math.max(minDelay, backoffDelay(o.backoff, failures, env.random));
    failures++;
    o.onRetrying({ delay, everConnected, offline: !env.online() });
    cancelRetry();
    retryTimer = env.setTimeout(() => {
      retryTimer = 0;
      startAttempt();
    }, delay);
  }

  /**
   * retrySoon is retry after the server closed the connection: its last
   * message ("removed", "ended") may still be on its way, and decides.
   * @param {Attempt} a
   */
  function retrySoon(a) {
    if (a.closing) return;
    a.closing = true;
    env.setTimeout(() => {
      if (attempt === a && mayRetry()) retry(a);
    }, t.closeGraceMs);
  }

  /**
   * later ends the current attempt without counting a failure and starts a
   * new one after ms: the room is not open yet.
   * @param {number} ms
   */
  function later(ms) {
    endAttempt(false);
    cancelRetry();
    if (!mayRetry()) return;
    retryTimer = env.setTimeout(() => {
      retryTimer = 0;
      startAttempt();
    }, ms);
  }

  /** @param {boolean} sayGoodbye  send the DELETE (not when the server already let us go) */
  function endAttempt(sayGoodbye) {
    const a = attempt;
    if (!a) return;
    attempt = null;
    a.done = true;
    env.clearTimeout(a.graceTimer);
    env.clearTimeout(a.connectTimer);
    const pc = a.pc;
    pc.ontrack = null;
    pc.onconnectionstatechange = null;
    pc.oniceconnectionstatechange = null;
    if (a.dc) {
      a.dc.onopen = null;
      a.dc.onmessage = null;
      a.dc.onclose = null;
    }
    if (o.onEnd) o.onEnd(a);
    try {
      pc.close();
    } catch {
      // Already closed.
    }
    if (a.resource) lastKey = resourceKey(a.resource);
    if (sayGoodbye && a.resource) deleteResource(a.resource, auth(), env.fetch);
    a.resource = "";
  }

  return {
    /** start begins a new visit: the backoff starts afresh. */
    start() {
      active = true;
      failures = 0;
      everConnected = false;
      lastKey = "";
      startAttempt();
    },
    /** restart replaces the current attempt at once (a page back from the cache). */
    restart() {
      if (!active) return;
      failures = 0;
      startAttempt();
    },
    /** reconnectNow cuts a pending wait short (the network came back, the page was shown). */
    reconnectNow() {
      if (!active || isConnected()) return;
      failures = 0;
      startAttempt();
    },
    /** @param {boolean} sayGoodbye */
    stop(sayGoodbye) {
      active = false;
      cancelRetry();
      endAttempt(sayGoodbye);
    },
    /** @param {boolean} sayGoodbye  end the attempt only; the page decides what comes next */
    drop(sayGoodbye) {
      cancelRetry();
      endAttempt(sayGoodbye);
    },
    retry,
    retrySoon,
    later,
    isConnected: () => isConnected(),
    current: () => attempt,
    active: () => active,
    waiting: () => Boolean(retryTimer),
    everConnected: () => everConnected,
    failures: () => failures,
  };
}

/** @typedef {ReturnType<typeof connection>} Connection */

/**
 * refusalRouter answers a refused attempt the way both live pages agree on,
 * after the page's own handlers for the kinds it treats apart (own[kind]
 * returns true when it took care of it): an ended session ends the page; a
 * refused link gives up; a session never seen gives up, while one seen before
 * is retried (a restart may lose it for a moment); busy is said, then retried;
 * anything else is retried when the server asks.
 * @param {{retry: (a: Attempt | null, afterMs?: number) => void}} conn
 * @param {{
 *   ended: () => void,
 *   giveUp: (why: "refused" | "unknown") => void,
 *   known: () => boolean,
 *   busy: (a: Attempt, r: Refusal) => void,
 *   own?: Record<string, (a: Attempt, r: Refusal) => boolean | void>,
 * }} h
 * @returns {(a: Attempt, r: Refusal) => void}
 */
export function refusalRouter(conn, h) {
  return (a, r) => {
    const own = h.own && Object.prototype.hasOwnProperty.call(h.own, r.kind) ? h.own[r.kind] : null;
    if (own && own(a, r)) return;
    switch (r.kind) {
      case "ended":
        h.ended();
        return;
      case "denied":
        h.giveUp("refused");
        return;
      case "missing":
        if (!h.known()) {
          h.giveUp("unknown");
          return;
        }
        break;
      case "busy":
        h.busy(a, r);
        break;
    }
    conn.retry(a, r.retryAfterMs);
  };
}

// ---------------------------------------------------------------------------
// The room's event stream, for those without a data channel (the listen page,
// and the join page's Just listen). See docs/PROTOCOL.md.

/** The stream's event types; each carries one JSON message. */
export const EVENT_TYPES = ["state", "speaking", "reaction", "caption", "muted", "hand", "ended", "message"];

/**
 * eventFeed keeps one EventSource on url() and hands each JSON message to
 * onMessage. The browser reconnects by itself after a drop; when it gives up
 * (the server answered 409 before the doors open, 410 after the end, or any
 * other refusal, none of which EventSource lets a page read), retryDelay(n)
 * says how long to wait before the n-th new try, or a negative number to stop.
 * onState hears "connecting", "open", "waiting" (a retry is due) and "closed".
 * @param {object} o
 * @param {() => string} o.url
 * @param {(msg: any) => void} o.onMessage
 * @param {(n: number) => number} o.retryDelay
 * @param {(state: string) => void} [o.onState]
 * @param {Env} [o.env]
 */
export function eventFeed({ url, onMessage, retryDelay, onState, env = browserEnv() }) {
  /** @type {EventSource | null} */
  let es = null;
  let timer = 0;
  let failures = 0;
  let state = "closed";
  /** @param {string} next */
  const set = (next) => {
    if (state === next) return;
    state = next;
    if (onState) onState(next);
  };

  function open() {
    env.clearTimeout(timer);
    timer = 0;
    if (es && es.readyState !== 2) return; // 2: CLOSED; otherwise it is open or on its way
    if (es) es.close();
    es = null;
    if (!env.newEventSource) {
      set("closed");
      return;
    }
    /** @type {EventSource} */
    let src;
    try {
      src = env.newEventSource(url());
    } catch {
      set("closed");
      return;
    }
    es = src;
    set("connecting");
    /** @param {MessageEvent} event */
    const handle = (event) => {
      if (es !== src) return;
      let msg = null;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!msg || typeof msg !== "object") return;
      if (!msg.type && event.type !== "message") msg.type = event.type;
      onMessage(msg);
    };
    for (const type of EVENT_TYPES) src.addEventListener(type, /** @type {EventListener} */ (handle));
    src.onopen = () => {
      if (es !== src) return;
      failures = 0;
      set("open");
    };
    src.onerror = () => {
      if (es !== src) return;
      if (src.readyState !== 2) {
        set("connecting"); // the browser is already trying again
        return;
      }
      src.close();
      es = null;
      const delay = retryDelay(failures++);
      if (delay < 0) {
        set("closed");
        return;
      }
      timer = env.setTimeout(() => {
        timer = 0;
        open();
      }, delay);
      set("waiting");
    };
  }

  function close() {
    env.clearTimeout(timer);
    timer = 0;
    if (es) es.close();
    es = null;
    set("closed");
  }

  // retryNow cuts a pending wait short, for when the page learns that the
  // room has probably opened.
  function retryNow() {
    if (state !== "waiting") return;
    failures = 0;
    open();
  }

  return { open, close, retryNow, state: () => state };
}

// ---------------------------------------------------------------------------
// The room's state

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

// ---------------------------------------------------------------------------
// Polling the session's info

/**
 * sessionPoller asks for the session's public info now and then, one request
 * at a time. A poll asked for while one is out runs again as soon as that one
 * is back (the news it was asked for may have come after it set out). It keeps
 * the server clock's offset from the device's (skew), measured at the middle
 * of each round trip, so that countdowns are right on a phone whose clock is
 * wrong. What the answers mean is the page's:
 *   onInfo(info, stampedAt)  a snapshot; stampedAt on env.now()'s clock
 *   onRefused()              401/403: the link does not work any more
 *   onMissing(seen)          404: seen tells whether the session was ever there
 *   onTrouble()              no answer, or a server error: the poller keeps going
 * interval(info) is the wait before the next poll, or 0 for none.
 * A page that gives up calls stop(); poll() after stop() does nothing.
 * @param {object} o
 * @param {string} o.sessionId
 * @param {() => Record<string, string>} o.headers
 * @param {(info: any) => number} o.interval
 * @param {(info: any, stampedAt: number) => void} o.onInfo
 * @param {() => void} o.onRefused
 * @param {(seen: boolean) => void} o.onMissing
 * @param {() => void} [o.onTrouble]
 * @param {Pick<Env, "setTimeout" | "clearTimeout" | "now" | "fetch">} [o.env]
 * @param {() => number} [o.wallNow]  the device's wall clock, ms since the epoch
 */
export function sessionPoller({ sessionId, headers, interval, onInfo, onRefused, onMissing, onTrouble = () => {}, env = browserEnv(), wallNow = () => Date.now() }) {
  /** @type {any} */
  let info = null;
  let skew = 0;
  let trouble = false;
  let busy = false;
  let again = false;
  let stopped = false;
  /** @type {any} */
  let timer = null;

  const clear = () => {
    if (timer !== null) env.clearTimeout(timer);
    timer = null;
  };
  const schedule = () => {
    clear();
    if (stopped) return;
    const ms = interval(info);
    if (ms > 0) timer = env.setTimeout(poll, ms);
  };

  async function poll() {
    clear();
    if (stopped) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    again = false;
    const { res, body, wallMid, monoMid } = await fetchSessionInfo(sessionId, { Accept: "application/json", ...headers() }, undefined, env.fetch, {
      now: env.now,
      wall: wallNow,
    });
    busy = false;
    if (stopped) return;

    if (res && res.ok && body && typeof body === "object") {
      trouble = false;
      // The server stamped server_time somewhere in the middle of the round
      // trip; the midpoint is the best guess of when.
      const server = Date.parse(body.server_time);
      if (Number.isFinite(server)) skew = server - wallMid;
      info = body;
      onInfo(body, monoMid);
    } else if (res && (res.status === 401 || res.status === 403)) {
      stopped = true;
      onRefused();
      return;
    } else if (res && res.status === 404) {
      onMissing(info !== null);
    } else {
      trouble = true;
      onTrouble();
    }
    if (stopped) return;
    if (again) {
      poll();
      return;
    }
    schedule();
  }

  return {
    poll,
    /** schedule waits interval(info) from now (the wait may have changed). */
    schedule,
    stop() {
      stopped = true;
      clear();
    },
    /** trouble is true while the last poll got no answer. */
    trouble: () => trouble,
    /** serverNow is the server's wall clock, as best we know it. */
    serverNow: () => wallNow() + skew,
    skew: () => skew,
  };
}

// ---------------------------------------------------------------------------
// The room's reactions

/**
 * parseReaction reads a "reaction" message: a candle or a heart and who sent
 * it, or null for anything else.
 * @param {any} msg
 * @returns {{kind: "candle" | "heart", name: string} | null}
 */
export function parseReaction(msg) {
  const kind = msg && msg.kind === "heart" ? "heart" : msg && msg.kind === "candle" ? "candle" : null;
  if (!kind) return null;
  return { kind, name: typeof msg.name === "string" ? msg.name : "" };
}

/**
 * @typedef {object} RoomHandlers
 * @property {(msg: any) => void} [state]
 * @property {(ids: string[]) => void} [speaking]
 * @property {(r: {kind: "candle" | "heart", name: string}) => void} [reaction]
 * @property {(msg: any) => void} [caption]
 * @property {(msg: any) => void} [ended]
 */

/**
 * roomMessages routes the room's news (the event stream's, or the same
 * messages on a member's data channel) to the page's handlers: the speaking
 * ids as strings, a reaction read by parseReaction (anything else dropped).
 * It returns whether the message was one of these, so a page can go on to
 * its own kinds.
 * @param {RoomHandlers} h
 * @returns {(msg: any) => boolean}
 */
export function roomMessages(h) {
  return (msg) => {
    if (!msg || typeof msg !== "object") return false;
    switch (msg.type) {
      case "state":
        if (h.state) h.state(msg);
        return true;
      case "speaking":
        if (h.speaking) h.speaking(Array.isArray(msg.ids) ? msg.ids.map(String) : []);
        return true;
      case "reaction": {
        const r = parseReaction(msg);
        if (r && h.reaction) h.reaction(r);
        return true;
      }
      case "caption":
        if (h.caption) h.caption(msg);
        return true;
      case "ended":
        if (h.ended) h.ended(msg);
        return true;
    }
    return false;
  };
}
