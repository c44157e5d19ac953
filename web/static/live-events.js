// @ts-check
// The room's news: the event stream (SSE) for pages without a data channel,
// and the routing of its messages (and the same ones on a member's data
// channel) to a page's handlers.

import { browserEnv } from "./live-env.js";

/** @import { Env } from "./live-env.js" */

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
