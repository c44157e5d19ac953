// @ts-check
// The session's public info: one timed request, and a poller that asks now
// and then and keeps the server clock's offset from the device's.

import { browserEnv } from "./live-env.js";

/** @import { Env } from "./live-env.js" */

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
