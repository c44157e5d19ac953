// @ts-check
// A refused offer: what the server said, what it means for the page, and how
// both live pages answer it.

/** @import { Attempt } from "./live-connection.js" */


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
