// The join page's DOM-free pieces: the microphone's help, the kept name,
// telling our own reactions' echoes apart, the raised hand, the microphone's
// stream and choice, and what the page says.
import test from "node:test";
import assert from "node:assert/strict";
import { micHelp, platformOf } from "../static/join-mic-help.js";
import { nameStore } from "../static/join-name.js";
import { hand } from "../static/join-hand.js";
import { memberMessages } from "../static/join-member.js";
import { microphone } from "../static/join-mic.js";
import { ownEchoes } from "../static/join-reactions.js";
import { LINK_INCOMPLETE, NO_WEBRTC, endWords, micWords, statusWords, viewOf } from "../static/join-words.js";

test("platformOf names the device in hand", () => {
  const iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
  const ipad = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
  const android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36";
  const macChrome = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";
  for (const [ua, platform, touch, want] of [
    [iphone, "iPhone", 5, "ios"],
    [ipad, "MacIntel", 5, "ios"],
    [ipad, "MacIntel", 0, "mac-safari"],
    [android, "Linux armv8l", 5, "android"],
    [macChrome, "MacIntel", 0, "desktop"],
    ["", "", 0, "desktop"],
  ]) {
    assert.equal(platformOf(ua, platform, touch), want, `${platform} ${touch}`);
  }
});

test("micHelp says why and how, for the error and the device", () => {
  assert.match(micHelp("Unsupported", "ios").why, /can’t use a microphone/);
  assert.match(micHelp("NotFoundError", "ios").why, /couldn’t find a microphone/);
  assert.match(micHelp("OverconstrainedError", "desktop").how, /headset/);
  assert.match(micHelp("NotReadableError", "android").why, /busy/);
  assert.match(micHelp("AbortError", "android").how, /Close that app/);
  const refused = ["ios", "android", "mac-safari", "desktop"].map((p) => micHelp("NotAllowedError", /** @type {any} */ (p)));
  for (const h of refused) assert.equal(h.why, "Your browser didn’t let this page use the microphone.");
  assert.match(refused[0].how, /“aA”/);
  assert.match(refused[1].how, /Permissions/);
  assert.match(refused[2].how, /Settings for This Website/);
  assert.match(refused[3].how, /address bar/);
  assert.equal(new Set(refused.map((h) => h.how)).size, 4);
  assert.deepEqual(micHelp(undefined, "desktop"), refused[3]);
});

function fakeStorage() {
  const m = new Map();
  return {
    m,
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => m.set(k, String(v)),
    removeItem: (k) => m.delete(k),
  };
}

test("nameStore keeps the name only when asked, under hearth.name", () => {
  const s = fakeStorage();
  const names = nameStore(() => s);
  assert.equal(names.recall(), "");
  names.keep("Ada", true);
  assert.deepEqual([...s.m], [["hearth.name", "Ada"]]);
  assert.equal(names.recall(), "Ada");
  names.keep("Ada", false);
  assert.equal(s.m.size, 0);
  names.keep("", true);
  assert.equal(s.m.size, 0, "an empty name is not kept");
  s.m.set("hearth.name", "  Ada  ");
  assert.equal(names.recall(), "Ada", "a kept name is cleaned");
});

test("nameStore keeps nothing where storage is blocked", () => {
  const blocked = nameStore(() => {
    throw new Error("SecurityError");
  });
  blocked.keep("Ada", true);
  assert.equal(blocked.recall(), "");
  assert.equal(nameStore(() => null).recall(), "");
  const full = fakeStorage();
  full.setItem = () => {
    throw new Error("QuotaExceededError");
  };
  full.getItem = () => {
    throw new Error("SecurityError");
  };
  const names = nameStore(() => full);
  names.keep("Ada", true);
  assert.equal(names.recall(), "");
});

test("ownEchoes skips the echo of our own reaction once, within its window", () => {
  const e = ownEchoes(4000);
  e.sent("candle", 1000);
  assert.equal(e.isEcho("candle", "Bea", "Ada", 1500), false, "someone else's");
  assert.equal(e.isEcho("heart", "Ada", "Ada", 1500), false, "not a kind we sent");
  assert.equal(e.isEcho("candle", "Ada", "Ada", 1500), true);
  assert.equal(e.isEcho("candle", "Ada", "Ada", 1600), false, "a second one is another person named Ada");
  e.sent("heart", 2000);
  assert.equal(e.isEcho("heart", "Ada", "Ada", 6001), false, "too late to be the echo");
});

test("viewOf: the link, then the finish, then the session decide the screen", () => {
  const base = { linkProblem: "", finish: "", info: { state: "live" }, want: false };
  assert.equal(viewOf({ ...base, linkProblem: LINK_INCOMPLETE, finish: "left" }), "problem");
  assert.equal(viewOf({ ...base, finish: "removed", info: { state: "ended" } }), "removed");
  assert.equal(viewOf({ ...base, info: { state: "ended" }, want: true }), "ended");
  assert.equal(viewOf({ ...base, want: true }), "room");
  assert.equal(viewOf(base), "join");
  assert.equal(viewOf({ ...base, info: null }), "loading");
});

test("endWords: only leaving offers to join again", () => {
  assert.deepEqual(endWords("problem", LINK_INCOMPLETE), { message: LINK_INCOMPLETE, note: "", rejoin: false });
  assert.equal(endWords("left", "").rejoin, true);
  assert.match(endWords("removed", "").note, /contact your host/);
  assert.match(endWords("ended", "").message, /Thank you for being here/);
  assert.deepEqual(endWords("room", ""), { message: "", note: "", rejoin: false });
});

test("statusWords says where the person is and what holds the microphone", () => {
  const f = { state: "connected", mode: "mic", detail: "", micOn: false, micLost: false, locked: false, roomLocked: false, byHost: false, hasWebRTC: true, linkProblem: "" };
  assert.deepEqual(statusWords(f), { text: "You’re in the room. You’re muted.", kind: "ok", joinText: "" });
  assert.match(statusWords({ ...f, micOn: true }).text, /Others can hear you/);
  assert.match(statusWords({ ...f, locked: true, roomLocked: true }).text, /quieted the microphones/);
  assert.match(statusWords({ ...f, locked: true, roomLocked: true, byHost: true }).text, /muted your microphone/);
  assert.match(statusWords({ ...f, micLost: true, locked: true }).text, /microphone stopped/);
  assert.equal(statusWords({ ...f, mode: "listen" }).text, "Listening");
  assert.deepEqual(statusWords({ ...f, state: "connecting", detail: "full" }), {
    text: "Joining… The room is full right now. We’ll keep trying, or you can just listen.",
    kind: "wait",
    joinText: "",
  });
  assert.equal(statusWords({ ...f, state: "reconnecting", mode: "listen", detail: "offline" }).text, "Reconnecting… You don’t need to do anything. Waiting for your internet connection.");
  assert.match(statusWords({ ...f, state: "asking" }).joinText, /choose Allow/);
  assert.equal(statusWords({ ...f, state: "idle", hasWebRTC: false }).joinText, NO_WEBRTC);
  assert.equal(statusWords({ ...f, state: "idle", hasWebRTC: false, linkProblem: LINK_INCOMPLETE }).joinText, "");
});

test("micWords: a hold wins over everything, a lost track over the choice", () => {
  assert.deepEqual(micWords({ micOn: true, locked: true, micLost: false }), { on: false, text: "Muted by the host", state: "locked" });
  assert.deepEqual(micWords({ micOn: true, locked: false, micLost: true }), { on: false, text: "Stopped · tap to turn on", state: "off" });
  assert.deepEqual(micWords({ micOn: true, locked: false, micLost: false }), { on: true, text: "On · tap to mute", state: "on" });
  assert.deepEqual(micWords({ micOn: false, locked: false, micLost: false }), { on: false, text: "Off · tap to talk", state: "off" });
});

test("hand: our change shows at once; an older roster does not undo it until it settles", () => {
  const h = hand(2500);
  assert.equal(h.raised(), false);
  h.asked(true, 1000);
  h.fromRoster(false, 1500); // sent before the server took our change
  assert.equal(h.raised(), true);
  h.fromRoster(true, 1600); // the room agrees: it decides from now on
  h.fromRoster(false, 1700); // the host lowered it
  assert.equal(h.raised(), false);
  h.asked(true, 2000);
  h.fromRoster(false, 4501); // no agreement in time: the room is right
  assert.equal(h.raised(), false);
  h.asked(true, 5000);
  h.lowered();
  h.fromRoster(true, 5001);
  assert.equal(h.raised(), true, "after lowered() the roster decides at once");
});

class FakeTrack {
  constructor() {
    this.enabled = true;
    this.readyState = "live";
    this.stops = 0;
    /** @type {Record<string, () => void>} */
    this.on = {};
  }
  stop() {
    this.stops++;
    this.readyState = "ended";
  }
  addEventListener(type, fn) {
    this.on[type] = fn;
  }
}

function fakeStream() {
  const track = new FakeTrack();
  return { track, getAudioTracks: () => [track], getTracks: () => [track] };
}

test("microphone: a hold keeps the track off; a lost track tells the server once", () => {
  let held = false;
  const sent = [];
  const calls = [];
  const hearth = { mic: null };
  const mic = microphone({
    hearth,
    held: () => held,
    send: (msg) => sent.push(msg) > 0,
    lost: () => calls.push("lost"),
    stopped: () => calls.push("stopped"),
    changed: () => calls.push("changed"),
  });
  const a = fakeStream();
  mic.use(/** @type {any} */ (a));
  assert.equal(hearth.mic, a);
  assert.equal(a.track.enabled, false, "off until the person turns it on");
  mic.set(true, true);
  assert.equal(a.track.enabled, true);
  assert.deepEqual(sent, [{ type: "mute", muted: false }]);
  held = true;
  mic.set(true, false);
  assert.equal(a.track.enabled, false, "a hold wins");
  assert.equal(mic.isOn(), true);
  held = false;
  mic.set(true, false);

  const b = fakeStream();
  mic.use(/** @type {any} */ (b));
  assert.equal(a.track.stops, 1, "the old stream is let go");
  a.track.on.ended(); // the old one's end is not ours any more
  assert.equal(mic.isLost(), false);
  b.track.readyState = "ended";
  b.track.on.ended();
  assert.equal(mic.isLost(), true);
  assert.equal(mic.isOn(), false);
  assert.equal(mic.track(), null);
  assert.deepEqual(sent.at(-1), { type: "mute", muted: true });
  mic.stop();
  assert.equal(hearth.mic, null);
  assert.equal(mic.isLost(), false);
  assert.deepEqual(calls, ["changed", "changed", "changed", "lost", "stopped"]);
});

test("memberMessages: a release says so calmly; an error soon after unmuting turns the microphone off", () => {
  let t = 0;
  let on = true;
  const sets = [];
  const toasts = [];
  const sent = [];
  const m = memberMessages({
    hearth: { memberId: "" },
    send: (msg) => sent.push(msg) > 0,
    mic: /** @type {any} */ ({ isOn: () => on, set: (next, tell) => sets.push([next, tell]) && (on = next) }),
    hold: /** @type {any} */ ({ held: () => false, welcome: () => {}, muted: () => "release" }),
    hand: /** @type {any} */ ({ raised: () => true, asked: () => {}, lowered: () => {} }),
    sound: { sweepMembers: () => {} },
    mode: () => "mic",
    toast: (text) => toasts.push(text),
    render: { mic: () => {}, status: () => {}, roster: () => {}, actions: () => {} },
    now: () => t,
  });
  m.muted({ type: "muted", muted: false, by_host: true });
  assert.deepEqual(sets, [[false, true]]);
  assert.match(toasts[0], /You may speak again/);
  on = true;
  m.unmuteAsked();
  t = 2999;
  m.serverError("not allowed");
  assert.deepEqual(sets.at(-1), [false, false]);
  assert.match(toasts.at(-1), /can’t be turned on just now/);
  on = true;
  m.serverError("not allowed");
  assert.match(toasts.at(-1), /didn’t go through/, "only the first error after asking");
  m.serverError("Rate limited");
  assert.match(toasts.at(-1), /One at a time/);
  m.welcome({ id: 7 });
  assert.deepEqual(sent, [{ type: "mute", muted: false }, { type: "hand", raised: true }]);
});
