// Fakes for running the live pages' modules under node: a clock whose time
// moves only when a test says so, RTCPeerConnection, fetch and EventSource.

// fakeClock runs timers in deadline order as advance() moves time on, letting
// promises settle between them, as the browser's event loop would.
export function fakeClock() {
  let now = 0;
  let seq = 0;
  /** @type {Map<number, {at: number, fn: () => void}>} */
  const timers = new Map();
  const clock = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms || 0), fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
    async advance(ms) {
      const end = now + ms;
      await settle();
      for (;;) {
        let next = null;
        for (const [id, t] of timers) if (t.at <= end && (!next || t.at < next[1].at || (t.at === next[1].at && id < next[0]))) next = [id, t];
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
        await settle();
      }
      now = end;
      await settle();
    },
  };
  return clock;
}

// settle lets every pending promise callback run.
export async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

export class FakeDTLS extends EventTarget {
  state = "new";
  set(state) {
    this.state = state;
    this.dispatchEvent(new Event("statechange"));
  }
}

export class FakePeer extends EventTarget {
  constructor(config) {
    super();
    this.config = config;
    this.connectionState = "new";
    this.iceConnectionState = "new";
    this.iceGatheringState = "new";
    this.localDescription = null;
    this.remoteDescription = null;
    this.transceivers = [];
    this.channels = [];
    this.closed = false;
    this.dtls = new FakeDTLS();
    this.ontrack = null;
    this.onconnectionstatechange = null;
    this.oniceconnectionstatechange = null;
  }
  addTransceiver(what, init) {
    const kind = typeof what === "string" ? what : what.kind;
    const t = { kind, init, receiver: { track: { kind }, transport: this.dtls }, sender: { transport: this.dtls } };
    this.transceivers.push(t);
    return t;
  }
  createDataChannel(label, init) {
    const dc = { label, init, readyState: "connecting", sent: [], send(m) { this.sent.push(m); }, onmessage: null, onopen: null, onclose: null };
    this.channels.push(dc);
    return dc;
  }
  async createOffer() {
    return { type: "offer", sdp: `v=0 offer with ${this.transceivers.map((t) => t.kind).join(",")}` };
  }
  async setLocalDescription(d) {
    this.localDescription = d;
    this.iceGatheringState = "complete";
  }
  async setRemoteDescription(d) {
    this.remoteDescription = d;
  }
  getReceivers() {
    return this.transceivers.map((t) => t.receiver);
  }
  close() {
    this.closed = true;
    this.connectionState = "closed";
  }
  // set moves the connection to state, as ICE and DTLS would.
  set(state) {
    this.connectionState = state;
    this.iceConnectionState = state === "connected" ? "connected" : state;
    if (this.onconnectionstatechange) this.onconnectionstatechange();
  }
}

// fakeFetch answers each request with the next of answers (a function of the
// request, or a Response); requests are kept for the test to read.
export function fakeFetch(answer) {
  const calls = [];
  const fn = async (url, init = {}) => {
    const call = { url: String(url), method: init.method || "GET", headers: init.headers || {}, body: init.body, signal: init.signal, credentials: init.credentials };
    calls.push(call);
    const res = typeof answer === "function" ? await answer(call, calls.length - 1) : answer;
    return res.clone();
  };
  fn.calls = calls;
  return fn;
}

export function answer(sdp = "v=0 answer", location = "/whep/s1/r1") {
  return new Response(sdp, { status: 201, headers: { "Content-Type": "application/sdp", Location: location } });
}

export function refusal(status, body, headers = {}) {
  return new Response(body === undefined ? "" : JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export class FakeEventSource {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.listeners = {};
    this.onopen = null;
    this.onerror = null;
    this.closed = false;
    FakeEventSource.all.push(this);
  }
  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen && this.onopen();
  }
  emit(type, data) {
    for (const fn of this.listeners[type] || []) fn({ type, data: typeof data === "string" ? data : JSON.stringify(data) });
  }
  fail(closed) {
    this.readyState = closed ? 2 : 0;
    this.onerror && this.onerror();
  }
}
