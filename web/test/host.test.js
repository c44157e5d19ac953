// Tests of the host in the room under node: the order of a roster with raised
// hands (shared.js), how a host is named, and a connection that goes with a
// signed-in host's cookie and CSRF header in place of a link's token (live.js).
import test from "node:test";
import assert from "node:assert/strict";
import { handsFirst, parseRoster, speakerName } from "../static/shared.js";
import { bearerAuth, connection } from "../static/live.js";
import { FakePeer, answer, fakeClock, fakeFetch, settle } from "./fakes.js";

test("raised hands come first in the order they went up, then hosts, then everyone else by name", () => {
  const roster = parseRoster([
    { id: "m1", name: "Zoë", hand: false },
    { id: "m2", name: "Ben", hand: true, hand_at: 1700000005000 },
    { id: "h", name: "Maria", host: true, hand: false },
    { id: "m3", name: "Cleo", hand: true, hand_at: 1700000001000 },
    { id: "m4", name: "ana", hand: false },
  ]);
  const ordered = handsFirst(roster);
  assert.deepEqual(
    ordered.map((m) => m.id),
    ["m3", "m2", "h", "m4", "m1"],
  );
  // The roster itself is left as it was.
  assert.deepEqual(
    roster.map((m) => m.id),
    ["m1", "m2", "h", "m3", "m4"],
  );
  // Whatever order the server sends, the rows stay where they were.
  assert.deepEqual(
    handsFirst([...roster].reverse()).map((m) => m.id),
    ordered.map((m) => m.id),
  );
});

test("a hand raised B then A lists B before A, whatever the server's order", () => {
  const a = { id: "a", name: "A", hand: true, hand_at: 2000 };
  const b = { id: "b", name: "B", hand: true, hand_at: 1000 };
  assert.deepEqual(
    handsFirst(parseRoster([a, b])).map((m) => m.id),
    ["b", "a"],
  );
  assert.deepEqual(
    handsFirst(parseRoster([b, a])).map((m) => m.id),
    ["b", "a"],
  );
});

test("hands without a time (an older server) follow the timed ones; equal times go by name", () => {
  const ordered = handsFirst(
    parseRoster([
      { id: "x", name: "Xavi", hand: true },
      { id: "y", name: "Yara", hand: true, hand_at: 50 },
      { id: "z", name: "Zed", hand: true, hand_at: "junk" },
      { id: "w", name: "Wim", hand: true, hand_at: 50 },
      { id: "v", name: "Vera", hand: false, hand_at: 10 },
    ]),
  );
  assert.deepEqual(
    ordered.map((m) => m.id),
    ["w", "y", "x", "z", "v"],
  );
  assert.deepEqual(handsFirst([]), []);
});

test("a host is named as such in a sentence; nameless people are Someone", () => {
  assert.equal(speakerName({ name: "Maria", host: true }), "Maria (host)");
  assert.equal(speakerName({ name: " Ben ", host: false }), "Ben");
  assert.equal(speakerName({ name: "", host: true }), "Someone (host)");
  assert.deepEqual(parseRoster([{ id: 1, name: "H", host: 1 }])[0].host, true);
});

test("a connection with a signed-in host's credentials sends the cookie and CSRF header, never a bearer token, and says goodbye the same way", async () => {
  const clock = fakeClock();
  const peers = [];
  const fetch = fakeFetch((call) => (call.method === "DELETE" ? new Response(null, { status: 200 }) : answer("v=0 answer", "/api/v1/sessions/s1/members/key1")));
  const conn = connection({
    url: () => "/api/v1/sessions/s1/host-join?name=Maria",
    token: () => "",
    auth: () => ({ headers: { "X-CSRF-Token": "csrf1" }, credentials: "same-origin" }),
    iceServers: () => [],
    setup: (a) => {
      a.tx = a.pc.addTransceiver("audio", { direction: "sendrecv" });
    },
    onConnected: () => {},
    onRetrying: () => {},
    onRefused: () => {},
    onUnsupported: () => {},
    backoff: [1000],
    timing: { gatherMs: 100, postTimeoutMs: 1000, connectTimeoutMs: 1000, graceMs: 100, stableMs: 1000, closeGraceMs: 10 },
    env: {
      ...clock,
      random: () => 0,
      online: () => true,
      fetch,
      newPeer: (config) => {
        const pc = new FakePeer(config);
        peers.push(pc);
        return pc;
      },
      newEventSource: null,
      base: "https://hearth.example/dashboard",
    },
  });
  conn.start();
  await settle();
  const post = fetch.calls.find((c) => c.method === "POST");
  assert.ok(post);
  assert.equal(post.url, "/api/v1/sessions/s1/host-join?name=Maria");
  assert.equal(post.headers["X-CSRF-Token"], "csrf1");
  assert.equal(post.headers.Authorization, undefined);
  assert.equal(post.headers["Content-Type"], "application/sdp");
  assert.equal(post.credentials, "same-origin");
  peers[0].set("connected");
  conn.stop(true);
  const del = fetch.calls.find((c) => c.method === "DELETE");
  assert.ok(del);
  assert.equal(del.url, "https://hearth.example/api/v1/sessions/s1/members/key1");
  assert.equal(del.headers["X-CSRF-Token"], "csrf1");
  assert.equal(del.headers.Authorization, undefined);
  assert.equal(del.credentials, "same-origin");
});

test("without auth a connection goes with the link's token and no cookies, as before", () => {
  assert.deepEqual(bearerAuth("tok"), { headers: { Authorization: "Bearer tok" }, credentials: "omit" });
});
