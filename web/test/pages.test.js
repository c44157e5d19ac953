// Tests of what the join and listen pages share, under node: the refusal
// router (live.js) and the page lifecycle (shared.js) with a stand-in window.
import test from "node:test";
import assert from "node:assert/strict";
import { LIVE_TIMING, refusalRouter } from "../static/live.js";
import { TICK_MS, pageLifecycle } from "../static/shared.js";

const refusal = (kind, retryAfterMs = 0, status = 400) => ({ kind, status, code: "", error: "", retryAfterMs });

test("refusals both pages agree on: ended, a refused link, a session never seen, busy, and a retry", () => {
  const log = [];
  let known = false;
  const conn = { retry: (a, ms) => log.push(`retry ${a.id} ${ms}`) };
  const route = refusalRouter(conn, {
    ended: () => log.push("ended"),
    giveUp: (why) => log.push(`give up ${why}`),
    known: () => known,
    busy: (a, r) => log.push(`busy ${r.status}`),
    own: { doors: () => (log.push("doors"), true), invalid: () => (log.push("not mine"), false) },
  });
  const a = { id: "a1" };
  route(a, refusal("ended"));
  route(a, refusal("denied"));
  route(a, refusal("missing"));
  known = true;
  route(a, refusal("missing", 2000));
  route(a, refusal("busy", 5000, 503));
  route(a, refusal("doors"));
  route(a, refusal("invalid"));
  route(a, refusal("retry", 1000));
  assert.deepEqual(log, [
    "ended", "give up refused", "give up unknown", "retry a1 2000", "busy 503", "retry a1 5000",
    "doors", "not mine", "retry a1 0", "retry a1 1000",
  ]);
  assert.ok(Object.isFrozen(LIVE_TIMING));
  assert.ok(LIVE_TIMING.connectTimeoutMs >= LIVE_TIMING.graceMs);
});

class Target {
  constructor() { this.on = new Map(); }
  addEventListener(type, f) { this.on.set(type, f); }
  fire(type, e = {}) { this.on.get(type)(e); }
}

test("the page lifecycle: shown again, the network back or gone, leaving, and back from the cache", () => {
  const log = [];
  const doc = Object.assign(new Target(), { visibilityState: "visible" });
  let interval = null;
  const win = Object.assign(new Target(), { setInterval: (f, ms) => { interval = { f, ms }; return 7; } });
  let wanted = true, connected = false;
  const conn = {
    reconnectNow: () => log.push("reconnect"),
    restart: () => log.push("restart"),
    drop: (bye) => log.push(`drop ${bye}`),
    isConnected: () => connected,
  };
  const id = pageLifecycle({
    win, doc, conn, poll: () => log.push("poll"), wanted: () => wanted,
    visibility: () => log.push("visibility"), visible: () => log.push("visible"),
    online: () => log.push("online"), offline: () => log.push("offline"), restored: () => log.push("restored"),
    tick: () => log.push("tick"),
  });
  assert.equal(id, 7);
  assert.equal(interval.ms, TICK_MS);

  const take = () => log.splice(0);
  doc.visibilityState = "hidden";
  doc.fire("visibilitychange");
  interval.f();
  assert.deepEqual(take(), ["visibility"]); // hidden: no poll, no tick
  doc.visibilityState = "visible";
  doc.fire("visibilitychange");
  interval.f();
  assert.deepEqual(take(), ["visibility", "poll", "visible", "tick"]);

  win.fire("offline");
  win.fire("online");
  assert.deepEqual(take(), ["offline", "poll", "online", "reconnect"]);
  connected = true;
  win.fire("offline");
  win.fire("online");
  assert.deepEqual(take(), ["poll"]); // connected: nothing to say, nothing to redo

  win.fire("pagehide");
  win.fire("pageshow", { persisted: false });
  win.fire("pageshow", { persisted: true });
  assert.deepEqual(take(), ["drop true", "poll", "restart", "restored"]);

  wanted = false;
  connected = false;
  win.fire("pagehide");
  win.fire("pageshow", { persisted: true });
  win.fire("online");
  doc.fire("visibilitychange");
  assert.deepEqual(take(), ["poll", "poll", "visibility", "poll"]);
});
