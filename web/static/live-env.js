// @ts-check
// What the live modules take from the browser (timers, clocks, fetch,
// RTCPeerConnection, EventSource), gathered in one Env so that node tests can
// hand them fakes; and the backoff all their retries share.

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
