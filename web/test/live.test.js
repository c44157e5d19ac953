// Tests of web/static/live.js under node: the connection's reconnection and
// backoff, refusals, the event stream, room state and the host's holds.
import test from "node:test";
import assert from "node:assert/strict";
import {
  backoffDelay,
  connection,
  eventFeed,
  holds,
  parseState,
  preferStereo,
  readRefusal,
  resourceKey,
  refusalKind,
} from "../static/live.js";
import { answerOffer, dataChannel } from "../static/live-channel.js";
import { FakeEventSource, FakePeer, answer, fakeClock, fakeFetch, refusal, settle } from "./fakes.js";

const TIMING = { gatherMs: 1500, postTimeoutMs: 10000, connectTimeoutMs: 10000, graceMs: 2000, stableMs: 10000, closeGraceMs: 300 };
const BACKOFF = [1000, 2000, 4000, 5000];

// rig builds a connection on fakes; random is 0 unless said, so every delay
// is its step less the spread (0.85 of it).
function rig({ fetchAnswer = () => answer(), random = () => 0, mayRetry = () => true, onRefused } = {}) {
  const clock = fakeClock();
  const peers = [];
  const log = [];
  const replaced = [];
  const fetch = fakeFetch(fetchAnswer);
  const env = {
    ...clock,
    random,
    online: () => true,
    fetch,
    newPeer: (config) => {
      const pc = new FakePeer(config);
      peers.push(pc);
      return pc;
    },
    newEventSource: null,
    base: "https://hearth.example/join/s1",
  };
  let conn;
  conn = connection({
    url: (replaces) => {
      replaced.push(replaces || "");
      return "/whep/s1";
    },
    token: () => "tok",
    iceServers: () => [{ urls: "stun:stun.example" }],
    setup: (a) => {
      a.tx = a.pc.addTransceiver("audio", { direction: "recvonly" });
    },
    onConnected: () => log.push("connected"),
    onRetrying: (r) => log.push(`retry ${r.delay} ${r.everConnected ? "again" : "first"}`),
    onRefused: onRefused ? (a, r) => onRefused(conn, a, r, log) : (a, r) => {
      log.push(`refused ${r.kind}`);
      if (r.kind === "retry" || r.kind === "busy") conn.retry(a, r.retryAfterMs);
    },
    onUnsupported: () => log.push("unsupported"),
    mayRetry,
    backoff: BACKOFF,
    timing: TIMING,
    env,
  });
  const posts = () => fetch.calls.filter((c) => c.method === "POST");
  const deletes = () => fetch.calls.filter((c) => c.method === "DELETE");
  return { clock, peers, log, fetch, conn, posts, deletes, replaced };
}

test("backoffDelay follows its steps, stays on the last one and spreads upward only by its fraction", () => {
  assert.equal(backoffDelay([1000, 2000], 0, () => 0), 850);
  assert.equal(backoffDelay([1000, 2000], 1, () => 0.999999), 2000);
  assert.equal(backoffDelay([1000, 2000], 9, () => 0.5), 1850);
  assert.equal(backoffDelay([1000, 2000], 2, () => 0, 0.3), 1400);
});

test("a connection POSTs its offer with the token and connects", async () => {
  const r = rig();
  r.conn.start();
  await settle();
  assert.equal(r.posts().length, 1);
  const post = r.posts()[0];
  assert.equal(post.url, "/whep/s1");
  assert.equal(post.headers.Authorization, "Bearer tok");
  assert.equal(post.headers["Content-Type"], "application/sdp");
  assert.match(post.body, /offer with audio/);
  assert.deepEqual(r.peers[0].config.iceServers, [{ urls: "stun:stun.example" }]);
  assert.equal(r.peers[0].remoteDescription.sdp, "v=0 answer");
  r.peers[0].set("connected");
  assert.deepEqual(r.log, ["connected"]);
  assert.ok(r.conn.isConnected());
});

test("failures back off step by step, each try a new peer, and the old resource is left", async () => {
  let n = 0;
  const r = rig({ fetchAnswer: (call) => (call.method === "DELETE" ? new Response(null, { status: 204 }) : n++ < 4 ? refusal(500, { error: "boom" }) : answer()) });
  r.conn.start();
  await settle();
  assert.deepEqual(r.log, ["refused retry", "retry 850 first"]);
  // Nothing before the delay is up.
  await r.clock.advance(849);
  assert.equal(r.posts().length, 1);
  await r.clock.advance(1);
  assert.equal(r.posts().length, 2);
  await r.clock.advance(1700);
  assert.equal(r.posts().length, 3);
  await r.clock.advance(3400);
  assert.equal(r.posts().length, 4);
  await r.clock.advance(4250);
  assert.equal(r.posts().length, 5);
  assert.deepEqual(r.log.filter((l) => l.startsWith("retry")), ["retry 850 first", "retry 1700 first", "retry 3400 first", "retry 4250 first"]);
  assert.equal(r.peers.length, 5);
  assert.ok(r.peers.slice(0, 4).every((p) => p.closed));
  r.peers[4].set("connected");
  assert.equal(r.log.at(-1), "connected");
});

test("a drop after a stable connection starts the backoff afresh; an early drop does not", async () => {
  const r = rig();
  r.conn.start();
  await settle();
  r.peers[0].set("connected");
  await r.clock.advance(11000); // longer than stableMs
  r.peers[0].set("failed");
  assert.equal(r.log.at(-1), "retry 850 again");
  // The DELETE for the dropped resource goes out with the token.
  assert.equal(r.deletes().length, 1);
  assert.equal(r.deletes()[0].url, "https://hearth.example/whep/s1/r1");
  assert.equal(r.deletes()[0].headers.Authorization, "Bearer tok");
  await r.clock.advance(850);
  r.peers[1].set("connected");
  await r.clock.advance(3000); // not stable yet
  r.peers[1].set("failed");
  assert.equal(r.log.at(-1), "retry 1700 again");
});

test("a short disconnect heals within the grace; a long one is retried", async () => {
  const r = rig();
  r.conn.start();
  await settle();
  const pc = r.peers[0];
  pc.set("connected");
  pc.set("disconnected");
  await r.clock.advance(1500);
  pc.set("connected");
  await r.clock.advance(5000);
  assert.equal(r.peers.length, 1);
  assert.ok(!r.log.some((l) => l.startsWith("retry")));
  pc.set("disconnected");
  await r.clock.advance(2000);
  assert.ok(r.log.at(-1).startsWith("retry"));
});

test("an answered attempt that never connects is given up on after the connect timeout", async () => {
  const r = rig();
  r.conn.start();
  await settle();
  await r.clock.advance(9999);
  assert.equal(r.peers.length, 1);
  await r.clock.advance(1);
  assert.equal(r.log.at(-1), "retry 850 first");
});

test("the server closing DTLS brings a retry after the close grace, unless the page is over by then", async () => {
  let over = false;
  const r = rig({ mayRetry: () => !over });
  r.conn.start();
  await settle();
  r.peers[0].set("connected");
  r.peers[0].dtls.set("closed");
  await r.clock.advance(299);
  assert.ok(!r.log.some((l) => l.startsWith("retry")));
  await r.clock.advance(1);
  assert.ok(r.log.at(-1).startsWith("retry"));

  const r2 = rig({ mayRetry: () => !over });
  r2.conn.start();
  await settle();
  r2.peers[0].set("connected");
  r2.peers[0].dtls.set("closed");
  over = true; // the "ended" message arrived within the grace
  await r2.clock.advance(60000);
  assert.equal(r2.posts().length, 1);
});

test("name refusals reach the page with the server's sentence and are never retried by the connection", async () => {
  for (const [status, code] of [
    [400, "name_invisible"],
    [400, "name_too_long"],
    [400, "name_empty"],
    [409, "name_taken"],
  ]) {
    const seen = [];
    const r = rig({
      fetchAnswer: () => refusal(status, { error: "A sentence for " + code, code }),
      onRefused: (conn, a, ref) => seen.push(ref),
    });
    r.conn.start();
    await settle();
    await r.clock.advance(120000);
    assert.equal(r.posts().length, 1, code);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].kind, "name");
    assert.equal(seen[0].code, code);
    assert.equal(seen[0].error, "A sentence for " + code);
  }
});

test("refusals are read by status and code", async () => {
  assert.equal(refusalKind(409, ""), "doors");
  assert.equal(refusalKind(409, "name_taken"), "name");
  assert.equal(refusalKind(400, "name_empty"), "name");
  assert.equal(refusalKind(400, ""), "invalid");
  assert.equal(refusalKind(410, ""), "ended");
  assert.equal(refusalKind(403, ""), "denied");
  assert.equal(refusalKind(404, ""), "missing");
  assert.equal(refusalKind(503, ""), "busy");
  const busy = await readRefusal(refusal(429, { error: "slow down" }, { "Retry-After": "120" }));
  assert.deepEqual(busy, { status: 429, code: "", error: "slow down", retryAfterMs: 30000, kind: "busy" });
  const html = await readRefusal(new Response("<html>", { status: 502 }));
  assert.deepEqual(html, { status: 502, code: "", error: "", retryAfterMs: 0, kind: "retry" });
});

test("Retry-After is the least wait before the next try", async () => {
  const r = rig({ fetchAnswer: () => refusal(503, { error: "full" }, { "Retry-After": "7" }) });
  r.conn.start();
  await settle();
  assert.equal(r.log.at(-1), "retry 7000 first");
});

test("later waits without counting a failure; stop ends everything and says goodbye", async () => {
  const r = rig({
    onRefused: (conn, a, ref, log) => {
      log.push(ref.kind);
      conn.later(5000);
    },
    fetchAnswer: (call, i) => (i === 0 ? refusal(409, { error: "not open" }) : answer()),
  });
  r.conn.start();
  await settle();
  assert.deepEqual(r.log, ["doors"]);
  await r.clock.advance(5000);
  assert.equal(r.posts().length, 2);
  r.peers[1].set("connected");
  r.conn.stop(true);
  assert.ok(r.peers[1].closed);
  await settle();
  assert.equal(r.deletes().length, 1);
  await r.clock.advance(60000);
  assert.equal(r.posts().length, 2);
  assert.ok(!r.conn.active());
});

test("an answer that comes after stop is left at once", async () => {
  let release;
  const gate = new Promise((res) => (release = res));
  const r = rig({ fetchAnswer: async (call) => (call.method === "POST" ? (await gate, answer("v=0", "/whep/s1/late")) : new Response(null, { status: 204 })) });
  r.conn.start();
  await settle();
  r.conn.stop(true);
  release();
  await settle();
  assert.equal(r.deletes().length, 1);
  assert.equal(r.deletes()[0].url, "https://hearth.example/whep/s1/late");
  assert.equal(r.peers[0].remoteDescription, null);
});

test("without RTCPeerConnection the page is told once and nothing is retried", async () => {
  const r = rig();
  const conn = connection({
    url: () => "/whep/s1",
    token: () => "t",
    iceServers: () => [],
    setup: () => {},
    onConnected: () => {},
    onRetrying: () => r.log.push("retry"),
    onRefused: () => {},
    onUnsupported: () => r.log.push("unsupported"),
    backoff: BACKOFF,
    timing: TIMING,
    env: { ...r.clock, random: () => 0, online: () => true, fetch: r.fetch, newPeer: () => { throw new Error("no"); }, newEventSource: null, base: "https://x/" },
  });
  conn.start();
  await r.clock.advance(60000);
  assert.deepEqual(r.log, ["unsupported"]);
});

test("holds: a program part's hold and its release, by_host both ways", () => {
  const h = holds();
  assert.equal(h.muted({ muted: true, by_host: true }), "hold");
  assert.ok(h.held());
  assert.equal(h.muted({ muted: false, by_host: true }), "release");
  assert.ok(!h.held());
  // A second release changes nothing.
  assert.equal(h.muted({ muted: false, by_host: true }), "");
});

test("holds: the room's hold ends when mics_locked goes false", () => {
  const h = holds();
  assert.equal(h.room({ mics_locked: true }), "hold");
  assert.equal(h.room({ mics_locked: true }), "");
  assert.equal(h.room({}), "release");
  assert.ok(!h.held());
});

test("holds: a member's release while the room is quiet is not yet a release", () => {
  const h = holds();
  h.muted({ muted: true, by_host: true });
  h.room({ mics_locked: true });
  assert.equal(h.muted({ muted: false, by_host: true }), "");
  assert.ok(h.held());
  assert.equal(h.room({ mics_locked: false }), "release");
});

test("holds: an unmute echo without by_host also ends a hold (an older server's release)", () => {
  const h = holds();
  h.muted({ muted: true, by_host: true });
  assert.equal(h.muted({ muted: false, by_host: false }), "release");
  assert.equal(h.muted({ muted: true, by_host: false }), "mute");
  assert.ok(!h.held());
});

test("holds: a rejoin the server welcomes unmuted drops the old member's hold", () => {
  const h = holds();
  h.muted({ muted: true, by_host: true });
  assert.equal(h.welcome({ muted: true }), "");
  assert.ok(h.held());
  assert.equal(h.welcome({ muted: false }), "release");
  h.room({ mics_locked: true });
  h.reset();
  assert.ok(!h.held());
});

test("parseState keeps what the pages use and drops the malformed", () => {
  const st = parseState({
    type: "state",
    roster: [
      { id: 7, name: "👩‍👧 Mãe", muted: false, hand: true, hand_at: 1700000000000, host: false, speaking: true },
      { id: "h", name: "Host", host: true },
      null,
      { name: "no id" },
    ],
    listeners: "3",
    room: { mics_locked: true },
    now_playing: { title: "", paused: true, part: { name: "Sharing circle", remaining_ms: 720000 } },
  });
  assert.equal(st.roster.length, 2);
  assert.deepEqual(st.roster[0], { id: "7", name: "👩‍👧 Mãe", muted: false, hand: true, handAt: 1700000000000, host: false, speaking: true });
  assert.equal(st.roster[1].host, true);
  assert.equal(st.listeners, 3);
  assert.equal(st.room.mics_locked, true);
  assert.deepEqual([...st.speaking], ["7"]);
  assert.ok(st.hasNowPlaying);
  assert.equal(st.nowPlaying.part.name, "Sharing circle");
  const bare = parseState({ type: "state", listeners: -4 });
  assert.equal(bare.listeners, 0);
  assert.equal(bare.hasNowPlaying, false);
  assert.deepEqual(bare.room, {});
});

test("the event stream parses messages, waits after a refusal and stops when told", async () => {
  const clock = fakeClock();
  FakeEventSource.all = [];
  const msgs = [];
  const states = [];
  let stop = false;
  const feed = eventFeed({
    url: () => "/api/v1/sessions/s1/events?t=tok",
    onMessage: (m) => msgs.push(m),
    retryDelay: (n) => (stop ? -1 : [1000, 2000][Math.min(n, 1)]),
    onState: (s) => states.push(s),
    env: { ...clock, random: () => 0, online: () => true, fetch: fakeFetch(answer()), newPeer: () => { throw new Error(); }, newEventSource: (u) => new FakeEventSource(u), base: "https://x/" },
  });
  feed.open();
  const es = FakeEventSource.all[0];
  assert.equal(es.url, "/api/v1/sessions/s1/events?t=tok");
  es.open();
  es.emit("state", { roster: [] });
  es.emit("muted", { muted: false, by_host: true });
  es.emit("message", "not json");
  assert.deepEqual(msgs, [{ type: "state", roster: [] }, { type: "muted", muted: false, by_host: true }]);
  // The browser retrying by itself is not a refusal.
  es.fail(false);
  assert.equal(feed.state(), "connecting");
  es.fail(true);
  assert.equal(feed.state(), "waiting");
  await clock.advance(999);
  assert.equal(FakeEventSource.all.length, 1);
  await clock.advance(1);
  assert.equal(FakeEventSource.all.length, 2);
  FakeEventSource.all[1].fail(true);
  assert.deepEqual(clock.pending(), [2000]);
  feed.retryNow();
  assert.equal(FakeEventSource.all.length, 3);
  stop = true;
  FakeEventSource.all[2].fail(true);
  assert.equal(feed.state(), "closed");
  assert.deepEqual(states, ["connecting", "open", "connecting", "waiting", "connecting", "waiting", "connecting", "closed"]);
});

test("preferStereo asks for stereo on every Opus payload type and keeps what was there", () => {
  const offer = [
    "v=0",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 0",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=rtpmap:63 red/48000/2",
    "a=fmtp:63 111/111",
    "a=rtpmap:0 PCMU/8000",
    "m=audio 9 UDP/TLS/RTP/SAVPF 109",
    "a=rtpmap:109 OPUS/48000/2",
    "",
  ].join("\r\n");
  const out = preferStereo(offer).split("\r\n");
  assert.ok(out.includes("a=fmtp:111 minptime=10;useinbandfec=1;stereo=1"));
  assert.ok(out.includes("a=fmtp:63 111/111"), "RED's fmtp is not Opus's");
  assert.equal(out[out.indexOf("a=rtpmap:109 OPUS/48000/2") + 1], "a=fmtp:109 stereo=1");
  assert.equal(out.at(-1), "", "the closing line break stays");
  // Twice is the same as once; an explicit choice is kept.
  assert.equal(preferStereo(preferStereo(offer)), preferStereo(offer));
  const mono = "a=rtpmap:111 opus/48000/2\na=fmtp:111 stereo=0;useinbandfec=1\n";
  assert.equal(preferStereo(mono), mono);
  assert.equal(preferStereo("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"), "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n");
});

test("the offer POSTed is the one set locally", async () => {
  const r = rig();
  r.conn.start();
  await settle();
  assert.equal(r.posts()[0].body, r.peers[0].localDescription.sdp);
});

test("a reconnection names the resource it takes over; the first join names none", async () => {
  let n = 0;
  const r = rig({
    fetchAnswer: (call) => (call.method === "DELETE" ? new Response(null, { status: 204 }) : answer("v=0 answer", `/api/v1/sessions/s1/members/key${++n}`)),
  });
  r.conn.start();
  await settle();
  r.peers[0].set("connected");
  r.peers[0].set("failed");
  await r.clock.advance(10000);
  assert.equal(r.posts().length, 2);
  assert.deepEqual(r.replaced, ["", "key1"]);
  assert.equal(resourceKey("https://h.example/api/v1/sessions/s1/members/k%20y"), "k y");
  assert.equal(resourceKey(""), "");
});

test("dataChannel: only the current attempt's JSON objects come in; sending needs an open channel", () => {
  const got = [];
  const closed = [];
  const dc = { readyState: "connecting", sent: [], send(s) { this.sent.push(s); }, onmessage: null, onclose: null };
  const a = /** @type {any} */ ({ dc });
  let current = a;
  const ch = dataChannel({ current: () => current, onMessage: (at, msg) => got.push([at, msg]), onClose: (at) => closed.push(at) });
  ch.wire(a);
  assert.equal(ch.send({ type: "mute", muted: true }), false, "not open yet");
  dc.readyState = "open";
  assert.equal(ch.send({ type: "mute", muted: true }), true);
  assert.deepEqual(dc.sent, ['{"type":"mute","muted":true}']);
  dc.onmessage({ data: '{"type":"welcome"}' });
  dc.onmessage({ data: "not json" });
  dc.onmessage({ data: "42" });
  dc.onmessage({ data: new ArrayBuffer(2) });
  assert.deepEqual(got, [[a, { type: "welcome" }]]);
  dc.onclose();
  assert.deepEqual(closed, [a]);
  current = /** @type {any} */ ({ dc: null });
  dc.onmessage({ data: '{"type":"state"}' });
  dc.onclose();
  assert.equal(got.length, 1, "an old attempt's messages are dropped");
  assert.equal(closed.length, 1);
  assert.equal(ch.send({ type: "hand", raised: true }), false, "no channel");
  dc.send = () => {
    throw new Error("InvalidStateError");
  };
  current = a;
  assert.equal(ch.send({ type: "hand", raised: true }), false);
});

test("answerOffer answers in stereo on the channel, unless the attempt ended meanwhile", async () => {
  const steps = [];
  const pc = {
    localDescription: null,
    setRemoteDescription: async (d) => steps.push(["remote", d.type]),
    createAnswer: async () => ({ type: "answer", sdp: "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10\r\n" }),
    setLocalDescription: async (d) => {
      steps.push(["local", d.type]);
      pc.localDescription = d;
    },
  };
  const sent = [];
  const a = /** @type {any} */ ({ pc, done: false });
  assert.equal(await answerOffer(a, "offer-sdp", (m) => sent.push(m) > 0), true);
  assert.deepEqual(steps, [["remote", "offer"], ["local", "answer"]]);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].type, "answer");
  assert.match(sent[0].sdp, /stereo=1/);
  a.done = true;
  assert.equal(await answerOffer(a, "offer-sdp", (m) => sent.push(m) > 0), false);
  assert.equal(sent.length, 1);
});
