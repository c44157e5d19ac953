// @ts-check
// One RTCPeerConnection to the server at a time: the offer (all candidates,
// no trickle), the POST, the answer, the connection's health, reconnection
// with backoff, and the goodbye.

import { backoffDelay, browserEnv } from "./live-env.js";
import { readRefusal } from "./live-refusal.js";

/** @import { Env } from "./live-env.js" */
/** @import { Refusal } from "./live-refusal.js" */

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
