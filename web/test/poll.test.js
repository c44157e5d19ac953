// Tests of live.js's session poller and reaction reading under node: what the
// join and listen pages share about the session's info (one request at a
// time, the server clock's offset, refusals, a session that disappears).
import test from "node:test";
import assert from "node:assert/strict";
import { parseReaction, roomMessages, sessionPoller } from "../static/live.js";
import { fakeClock, fakeFetch } from "./fakes.js";

function info(state, serverTime = "2026-12-07T10:00:00.000Z") {
  return new Response(JSON.stringify({ state, title: "Tuesday circle", server_time: serverTime }), {
    status: 200,
    headers: { "Content-Type": "application/json" },
  });
}

// rig builds a poller on a fake clock; reply answers each request (call, n).
// The fetch waits `rtt` ms of fake time, so the round trip has a middle.
function rig(reply, { interval = () => 5000, wall = 0, rtt = 0 } = {}) {
  const clock = fakeClock();
  const log = [];
  const fetch = fakeFetch(async (call, n) => {
    if (rtt) await new Promise((r) => clock.setTimeout(r, rtt));
    return reply(call, n);
  });
  const poller = sessionPoller({
    sessionId: "s/1",
    headers: () => ({ Authorization: "Bearer tok" }),
    interval,
    onInfo: (i, at) => log.push(`info ${i.state} at ${at}`),
    onRefused: () => log.push("refused"),
    onMissing: (seen) => log.push(`missing ${seen ? "seen" : "never seen"}`),
    onTrouble: () => log.push("trouble"),
    env: { ...clock, fetch },
    wallNow: () => wall + clock.now(),
  });
  return { clock, log, fetch, poller };
}

test("polls the session's info with the link's token and keeps polling at the page's pace", async () => {
  const { clock, log, fetch, poller } = rig(() => info("live"));
  poller.poll();
  await clock.advance(0);
  assert.deepEqual(log, ["info live at 0"]);
  assert.equal(fetch.calls[0].url, "/api/v1/listen/s%2F1");
  assert.equal(fetch.calls[0].headers.Authorization, "Bearer tok");
  assert.equal(fetch.calls[0].headers.Accept, "application/json");
  assert.equal(fetch.calls[0].credentials, "omit");
  await clock.advance(4999);
  assert.equal(fetch.calls.length, 1);
  await clock.advance(1);
  assert.equal(fetch.calls.length, 2);
});

test("the server clock's offset is taken at the middle of the round trip", async () => {
  // The device's clock reads 10:00:00 at start; the server says 10:05:00 at the
  // middle of a 400 ms round trip, so the server is 5 min - 200 ms ahead.
  const wall = Date.parse("2026-12-07T10:00:00.000Z");
  const { clock, log, poller } = rig(() => info("scheduled", "2026-12-07T10:05:00.000Z"), { wall, rtt: 400 });
  poller.poll();
  await clock.advance(400);
  assert.deepEqual(log, ["info scheduled at 200"]);
  assert.equal(poller.skew(), 5 * 60 * 1000 - 200);
  assert.equal(poller.serverNow(), wall + 400 + 5 * 60 * 1000 - 200);
});

test("a poll asked for while one is out runs once that one is back, not twice at once", async () => {
  const { clock, fetch, poller } = rig(() => info("live"), { rtt: 300 });
  poller.poll();
  poller.poll();
  poller.poll();
  await clock.advance(100);
  assert.equal(fetch.calls.length, 1, "one request at a time");
  await clock.advance(200);
  assert.equal(fetch.calls.length, 2, "the news asked for meanwhile is fetched at once");
  await clock.advance(300);
  assert.equal(fetch.calls.length, 2, "then the usual pace");
});

test("401 and 403 stop polling; 404 says whether the session was ever seen; trouble keeps going", async () => {
  for (const status of [401, 403]) {
    const { clock, log, fetch, poller } = rig(() => new Response("{}", { status }));
    poller.poll();
    await clock.advance(60000);
    assert.deepEqual(log, ["refused"], `status ${status}`);
    assert.equal(fetch.calls.length, 1);
    poller.poll();
    await clock.advance(0);
    assert.equal(fetch.calls.length, 1, "a stopped poller asks nothing");
  }

  const never = rig(() => new Response("{}", { status: 404 }));
  never.poller.poll();
  await never.clock.advance(0);
  assert.deepEqual(never.log, ["missing never seen"]);

  const gone = rig((call, n) => (n === 0 ? info("live") : new Response("{}", { status: 404 })));
  gone.poller.poll();
  await gone.clock.advance(5000);
  assert.deepEqual(gone.log, ["info live at 0", "missing seen"]);

  const down = rig((call, n) => {
    if (n === 0) throw new TypeError("Failed to fetch");
    if (n === 1) return new Response("oops", { status: 502 });
    return info("live");
  });
  down.poller.poll();
  await down.clock.advance(0);
  assert.equal(down.poller.trouble(), true);
  await down.clock.advance(10000);
  assert.deepEqual(down.log, ["trouble", "trouble", "info live at 10000"]);
  assert.equal(down.poller.trouble(), false);
});

test("the page decides the pace, and 0 means no more polls; stop() cancels the next one", async () => {
  let pace = 5000;
  const { clock, fetch, poller } = rig(() => info("live"), { interval: () => pace });
  poller.poll();
  await clock.advance(0);
  pace = 0;
  poller.schedule();
  await clock.advance(60000);
  assert.equal(fetch.calls.length, 1);
  pace = 30000;
  poller.schedule();
  await clock.advance(30000);
  assert.equal(fetch.calls.length, 2);
  poller.stop();
  await clock.advance(60000);
  assert.equal(fetch.calls.length, 2);
  assert.deepEqual(clock.pending(), []);
});

test("an answer that comes back after stop() is dropped", async () => {
  const { clock, log, poller } = rig(() => info("live"), { rtt: 500 });
  poller.poll();
  await clock.advance(100);
  poller.stop();
  await clock.advance(1000);
  assert.deepEqual(log, []);
});

test("parseReaction reads candles and hearts, and nothing else", () => {
  assert.deepEqual(parseReaction({ type: "reaction", kind: "candle", name: "Mãe" }), { kind: "candle", name: "Mãe" });
  assert.deepEqual(parseReaction({ kind: "heart" }), { kind: "heart", name: "" });
  assert.deepEqual(parseReaction({ kind: "heart", name: 42 }), { kind: "heart", name: "" });
  for (const bad of [null, undefined, "candle", {}, { kind: "<img>" }, { kind: "Candle" }]) assert.equal(parseReaction(bad), null);
});

test("roomMessages routes the room's news and says what it did not take", () => {
  const log = [];
  const take = roomMessages({
    state: (m) => log.push(`state ${m.listeners}`),
    speaking: (ids) => log.push(`speaking ${JSON.stringify(ids)}`),
    reaction: (r) => log.push(`reaction ${r.kind} ${r.name}`),
    ended: () => log.push("ended"),
  });
  assert.equal(take({ type: "state", listeners: 3 }), true);
  assert.equal(take({ type: "speaking", ids: [7, "b"] }), true);
  assert.equal(take({ type: "speaking", ids: "nope" }), true);
  assert.equal(take({ type: "reaction", kind: "heart", name: "Ana" }), true);
  assert.equal(take({ type: "reaction", kind: "bomb" }), true, "a bad reaction is the room's, and dropped");
  assert.equal(take({ type: "caption", text: "x" }), true, "no caption handler: taken and ignored");
  assert.equal(take({ type: "ended" }), true);
  assert.equal(take({ type: "muted", muted: true }), false);
  assert.equal(take(null), false);
  assert.equal(take("state"), false);
  assert.deepEqual(log, ["state 3", 'speaking ["7","b"]', "speaking []", "reaction heart Ana", "ended"]);
});
