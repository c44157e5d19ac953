// One session, for its hosts: what is playing and the controls for it, the
// room (who is on a microphone, the quiet-room and door switches), the
// session's own links, its memorial collage (dashboard-collage.js), and
// ending it. While the view is open it asks the server every 2 seconds;
// between answers the progress bar moves on its own. The host may be in the
// room too, with a microphone or just listening (dashboard-room.js); then the
// room's own messages keep the roster up to the moment.

import { api, ApiError, signedInAuth } from "./dashboard-api.js";
import { handsFirst, parseRoster, renderNowPlaying, setAttr, setText } from "./shared.js";
import { browserZone, clockPhrase, durationPhrase, startsPhrase, untilPhrase } from "./dashboard-time.js";
import { button, clear, confirmDialog, el, errorText, h, linkBox, roomPhrase, say } from "./dashboard-ui.js";
import { checkName, initial } from "./text.js";
import { collagePanel } from "./dashboard-collage.js";
import { hostRoom } from "./dashboard-room.js";

const enc = encodeURIComponent;
const POLL_MS = 2000;
const POLL_HIDDEN_MS = 10000; // a phone in a pocket need not ask so often
const TICK_MS = 500;

export function liveView(app) {
  let sid = "";
  let session = null;
  let stampedAt = 0; // performance.now() when session was current
  let room = null; // {room, roster, listeners} or null while the room is closed
  let roomNote = "";
  let pollTimer = 0;
  let tickTimer = 0;
  let visit = 0;
  let inFlight = false;
  let sharedFor = "";
  let groupName = "";
  const rows = new Map(); // member id -> roster row
  // Who this host muted, as far as this page knows: the roster says only
  // "muted", whether by themselves or by a host.
  const mutedByHost = new Set();
  // The session's memorial collage has its own card, and asks for itself.
  const collage = collagePanel();
  // The host's own place in the room.
  const me = hostRoom({
    sessionId: () => sid,
    listenerToken: () => (session && session.listener_token) || "",
    signedIn: signedInAuth,
    sink: el("host-room-sink"),
    onChange: () => renderHostRoom(),
    onState: (st, msg) => {
      if (!room || !msg) return;
      room.roster = msg.roster;
      room.listeners = st.listeners;
      if (msg.room && typeof msg.room === "object") room.room = msg.room;
      renderRoom();
    },
    onSpeaking: (ids) => {
      if (!room || !Array.isArray(room.roster)) return;
      for (const m of room.roster) if (m && typeof m === "object") m.speaking = ids.has(String(m.id));
      renderRoom();
    },
    onEnded: () => poll(),
    onSignedOut: () => poll(),
  });
  let lastPhase = "out";
  // Tests and the curious can look at the host's connection here.
  app.room = me;

  const ui = {
    now: el("now"),
    nowTitle: el("now-title"),
    progress: el("progress"),
    fill: el("progress-fill"),
    elapsed: el("elapsed"),
    remaining: el("remaining"),
  };

  el("live-pause").addEventListener("click", () => control({ action: "pause" }, "Paused. Everyone hears quiet until you resume.", "live-resume"));
  el("live-resume").addEventListener("click", () => control({ action: "resume" }, "Playing again.", "live-pause"));
  el("live-skip").addEventListener("click", skip);
  el("live-loop").addEventListener("click", () => {
    const on = el("live-loop").getAttribute("aria-checked") !== "true";
    control({ action: "loop", loop: on }, on ? "The playlist will start again when it ends." : "The session will end after the last recording.");
  });
  el("live-end").addEventListener("click", endSession);
  el("live-next-segment").addEventListener("click", nextPart);
  // Jump to: the range follows the recording, except while the host holds it.
  const seek = el("live-seek");
  let seekHeldUntil = 0;
  let seekDragging = false;
  seek.addEventListener("pointerdown", () => {
    seekDragging = true;
  });
  seek.addEventListener("input", () => {
    seekHeldUntil = performance.now() + 3000;
    setAttr(seek, "aria-valuetext", clockText(Number(seek.value)));
  });
  seek.addEventListener("change", () => {
    seekDragging = false;
    seekHeldUntil = performance.now() + 3000;
    const pos = Math.max(0, Math.round(Number(seek.value) || 0));
    control({ action: "seek", position_ms: pos }, `Jumped to ${clockText(pos)}.`);
  });
  el("live-mics").addEventListener("click", () => toggleRoom("mics_locked", "live-mics", ["Quiet room is on: members are muted. Hosts in the room can still speak.", "Quiet room is off: people can unmute themselves."]));
  el("live-lock").addEventListener("click", () => toggleRoom("locked", "live-lock", ["The door is closed: nobody new can join with a microphone.", "The door is open again."]));
  el("live-ducking").addEventListener("click", () =>
    toggleRoom("ducking", "live-ducking", ["The recording gets quieter while someone speaks.", "The recording stays at the same level while people speak."]),
  );
  document.addEventListener("visibilitychange", () => {
    if (!sid) return;
    if (document.visibilityState === "visible") {
      poll();
      me.reconnectNow();
    }
  });
  el("host-join").addEventListener("click", () => joinRoom("mic"));
  el("host-listen").addEventListener("click", () => joinRoom("listen"));
  el("host-mic").addEventListener("click", () => me.toggleMic());
  el("host-resume").addEventListener("click", () => me.resume());
  el("host-leave").addEventListener("click", () => {
    me.leave();
    say("You have left the room.");
    el("host-join").focus();
  });
  el("host-room-name").addEventListener("input", () => {
    setText(el("host-room-problem"), "");
    el("host-room-name").removeAttribute("aria-invalid");
  });
  // Closing the tab or going elsewhere leaves the room at once (the goodbye
  // is sent with keepalive), rather than after the server's timeout.
  window.addEventListener("pagehide", () => {
    if (me.view().inRoom) me.leave();
  });

  async function enter(id) {
    const mine = ++visit;
    if (id !== sid) {
      if (me.view().inRoom) me.leave();
      session = null;
      room = null;
      rows.clear();
      clear(el("roster"));
      clear(el("share-links"));
      sharedFor = "";
      groupName = "";
    }
    sid = id;
    try {
      await refresh(mine);
    } catch (err) {
      if (mine !== visit) return;
      if (err.status === 404) app.missing("This session doesn’t exist any more, or you’re not a host of its circle.");
      else if (err.status !== 401) {
        app.showView("live", "Session");
        say(errorText(err), "error");
        schedule(mine);
      }
      return;
    }
    if (mine !== visit) return;
    app.showView("live", session.title);
    render();
    tickTimer = setInterval(renderProgress, TICK_MS);
    schedule(mine);
    if (session.group_id && !groupName) loadGroupName(mine);
  }

  function leave() {
    visit++;
    clearTimeout(pollTimer);
    clearInterval(tickTimer);
    pollTimer = 0;
    tickTimer = 0;
    // The room card goes with the view: leaving the view leaves the room.
    if (me.view().inRoom) me.leave();
    sid = "";
    collage.leave();
  }

  async function loadGroupName(mine) {
    try {
      const g = await api("GET", `/api/v1/groups/${enc(session.group_id)}`);
      if (mine !== visit) return;
      groupName = g.group.name;
      setText(el("live-back"), `Back to ${groupName}`);
    } catch {
      // The plain "Back to the circle" stays.
    }
  }

  function schedule(mine) {
    clearTimeout(pollTimer);
    if (mine !== visit) return;
    pollTimer = setTimeout(() => poll(), document.visibilityState === "hidden" ? POLL_HIDDEN_MS : POLL_MS);
  }

  async function poll() {
    const mine = visit;
    // Asked for after the host left the view (a late button answer): nothing to do.
    if (!sid || inFlight) return;
    try {
      await refresh(mine);
      if (mine === visit) render();
    } catch (err) {
      if (mine === visit && err.status === 404) {
        app.missing("This session doesn’t exist any more. Its circle may have been deleted.");
        return;
      }
      // Offline for a moment: keep what is on screen and try again.
    }
    schedule(mine);
  }

  // refresh asks for the session and, unless it has ended, its room.
  async function refresh(mine) {
    inFlight = true;
    try {
      const t0 = performance.now();
      const s = await api("GET", `/api/v1/sessions/${enc(sid)}`);
      if (mine !== visit) return;
      session = s;
      stampedAt = (t0 + performance.now()) / 2;
      if (s.state === "ended") {
        room = null;
        roomNote = "The session has ended and the room is closed.";
        return;
      }
      try {
        const r = await api("GET", `/api/v1/sessions/${enc(sid)}/room`);
        if (mine !== visit) return;
        room = r;
        roomNote = "";
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 409) throw err;
        room = null;
        roomNote = "The room opens 15 minutes before the start. People who arrive early hear quiet until then.";
      }
    } finally {
      inFlight = false;
    }
  }

  // ---------------------------------------------------------------------------
  // Drawing

  function render() {
    if (!session) return;
    const ended = session.state === "ended";
    if (ended) {
      room = null;
      roomNote = "";
    }
    // Once it is over, only what was played stays on the page.
    el("live-player").hidden = ended;
    el("live-room").hidden = ended;
    setText(el("live-heading"), session.title);
    el("live-back").href = session.group_id ? `#/circle/${enc(session.group_id)}` : "#/";
    renderState();
    renderControls();
    renderProgress();
    renderPlaylist();
    renderProgram();
    renderRoom();
    renderHostRoom();
    renderShare();
    collage.show(session);
  }

  function renderState() {
    const zone = browserZone();
    const start = Date.parse(session.starts_at);
    const np = session.now_playing;
    let text;
    if (session.state === "live") text = np && np.paused ? "Live · paused" : `Live now · started ${startsPhrase(start, zone)}`;
    else if (session.state === "scheduled") text = `Starts ${startsPhrase(start, zone)} (${untilPhrase(start)})`;
    else text = session.ends_at ? `Ended at ${clockPhrase(Date.parse(session.ends_at), zone)}. Thank you for hosting.` : "This session has ended. Thank you for hosting.";
    const node = el("live-state");
    setText(node, text);
    node.dataset.state = session.state;
  }

  function renderControls() {
    const live = session.state === "live";
    const np = session.now_playing;
    const paused = Boolean(np && np.paused);
    el("controls").hidden = !live;
    el("live-pause").hidden = paused;
    el("live-resume").hidden = !paused;
    setAttr(el("live-loop"), "aria-checked", String(Boolean(session.loop)));
    el("end-block").hidden = session.state === "ended";
    const note = el("controls-note");
    note.hidden = live;
    setText(
      note,
      session.state === "scheduled"
        ? "Pause, next and the other controls appear here when the session starts."
        : session.state === "ended"
          ? "This session is over. You can plan a new one on the circle’s page."
          : "",
    );
  }

  function renderProgress() {
    if (!session) return;
    const empty = session.state === "scheduled" ? "Nothing yet: the session hasn’t started" : session.state === "ended" ? "The session has ended" : "Nothing is playing";
    renderNowPlaying(ui, session.state === "live" ? session.now_playing : null, stampedAt, empty);
    const np = session.now_playing;
    const list = session.playlist || [];
    let next = "";
    if (session.state === "live" && np && list.length > 1) {
      const i = np.index + 1;
      if (i < list.length) next = `Next: ${list[i].title}`;
      else if (session.loop) next = `Then from the start: ${list[0].title}`;
      else next = "This is the last recording.";
    }
    setText(el("now-next"), next);
    renderSeek();
  }

  // renderSeek keeps "Jump to" at the playing position, unless the host is
  // moving it.
  function renderSeek() {
    const np = session.state === "live" ? session.now_playing : null;
    const duration = np && !np.silent ? Math.max(0, Number(np.duration_ms) || 0) : 0;
    el("seek-block").hidden = duration <= 0;
    if (duration <= 0) return;
    if (seekDragging || performance.now() < seekHeldUntil) return;
    let pos = Math.max(0, Number(np.position_ms) || 0);
    if (!np.paused) pos += performance.now() - stampedAt;
    pos = Math.min(pos, duration);
    if (seek.max !== String(duration)) seek.max = String(duration);
    seek.value = String(Math.round(pos));
    setAttr(seek, "aria-valuetext", `${clockText(pos)} of ${clockText(duration)}`);
  }

  // renderProgram shows the parts of a session planned as a program: the
  // part now, its microphones and end, and all the parts in order.
  function renderProgram() {
    const parts = Array.isArray(session.program) ? session.program : [];
    const card = el("live-program");
    card.hidden = parts.length === 0 || session.state === "ended";
    if (card.hidden) return;
    const np = session.state === "live" ? session.now_playing : null;
    const current = np ? Number(np.segment) || 0 : -1;
    const zone = browserZone();
    if (np) {
      const name = np.segment_name || (parts[current] && parts[current].name) || "";
      setText(el("segment-now-name"), `Part ${current + 1} of ${parts.length}: ${name}`);
      const muted = (np.mics || (parts[current] && parts[current].mics)) === "muted";
      setText(el("segment-now-mics"), muted ? "Microphones muted for this part" : "Microphones open: people can speak");
      el("segment-now-mics").dataset.muted = String(muted);
      const ends = np.segment_ends_at ? Date.parse(np.segment_ends_at) : NaN;
      let endText;
      if (!Number.isNaN(ends)) endText = `Ends at ${clockPhrase(ends, zone)} (${untilPhrase(ends)})`;
      else if (np.paused) endText = "Paused: this part waits for you.";
      else endText = "Ends when you move on.";
      setText(el("segment-now-ends"), endText);
    } else {
      setText(el("segment-now-name"), session.state === "scheduled" ? `${parts.length} parts, starting with ${parts[0].name}` : "");
      setText(el("segment-now-mics"), "");
      setText(el("segment-now-ends"), "");
    }
    el("live-next-segment").hidden = !np;
    const ol = el("live-parts");
    const key = JSON.stringify([parts.map((p) => [p.name, p.length_ms, p.mics]), current]);
    if (ol.dataset.key === key) return;
    ol.dataset.key = key;
    clear(ol);
    parts.forEach((p, i) => {
      const now = i === current;
      const done = current >= 0 && i < current;
      const bits = [];
      if (now) bits.push("Now");
      else if (done) bits.push("Done");
      bits.push(p.length_ms > 0 ? durationPhrase(p.length_ms) : "until the music ends");
      bits.push(p.mics === "muted" ? "microphones muted" : "microphones open");
      if (!p.playlist || p.playlist.length === 0) bits.push("no music");
      ol.append(
        h(
          "li",
          { class: `plain-item${now ? " is-playing" : ""}${done ? " is-done" : ""}`, "aria-current": now ? "step" : undefined, testid: "live-part" },
          h("span", { class: "row-title", text: `${i + 1}. ${p.name}` }),
          h("span", { class: "row-meta", text: bits.join(" · ") }),
        ),
      );
    });
  }

  function renderPlaylist() {
    const ol = el("live-playlist");
    const list = session.playlist || [];
    const np = session.state === "live" ? session.now_playing : null;
    const key = JSON.stringify([list.map((x) => x.media_id), np ? np.index : -1, session.loop, session.state]);
    if (ol.dataset.key === key) return;
    ol.dataset.key = key;
    clear(ol);
    const total = list.reduce((t, x) => t + (Number(x.duration_ms) || 0), 0);
    list.forEach((item, i) => {
      const playing = np && np.index === i;
      ol.append(
        h(
          "li",
          { class: `plain-item${playing ? " is-playing" : ""}`, "aria-current": playing ? "true" : undefined },
          h("span", { class: "row-title", text: item.title }),
          h("span", { class: "row-meta", text: playing ? `Playing now · ${durationPhrase(item.duration_ms)}` : durationPhrase(item.duration_ms) }),
        ),
      );
    });
    ol.append(h("li", { class: "plain-total", text: `${durationPhrase(total)} in all${session.loop && session.state !== "ended" ? ", then again from the start" : ""}` }));
  }

  function renderRoom() {
    const open = Boolean(room);
    el("room-switches").hidden = !open;
    el("roster-heading").hidden = !open;
    el("roster").hidden = !open;
    el("room-closed").hidden = open;
    setText(el("room-closed"), roomNote);
    if (!open) {
      el("roster-empty").hidden = true;
      setText(el("room-count"), session.state === "ended" ? "" : "");
      return;
    }
    const settings = room.room || {};
    setAttr(el("live-mics"), "aria-checked", String(Boolean(settings.mics_locked)));
    setAttr(el("live-lock"), "aria-checked", String(Boolean(settings.locked)));
    setAttr(el("live-ducking"), "aria-checked", String(Boolean(settings.ducking)));
    // Raised hands first, in the order they went up (the host gives the word),
    // then hosts, then everyone by name.
    const roster = handsFirst(parseRoster(room.roster));
    setText(el("room-count"), roomPhrase(roster.length, room.listeners));
    el("roster-empty").hidden = roster.length > 0;
    renderRoster(roster, settings);
  }

  // renderRoster updates the list in place, so a button the host is about to
  // press never disappears and comes back under their finger.
  function renderRoster(roster, settings) {
    const ul = el("roster");
    const seen = new Set();
    roster.forEach((m, i) => {
      seen.add(m.id);
      let row = rows.get(m.id);
      if (!row) {
        row = rosterRow(m);
        rows.set(m.id, row);
      }
      updateRow(row, m, settings);
      if (ul.children[i] !== row.node) ul.insertBefore(row.node, ul.children[i] || null);
    });
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.node.remove();
        rows.delete(id);
      }
    }
  }

  function rosterRow(m) {
    const badge = h("span", { class: "badge-initial", "aria-hidden": "true" });
    const name = h("span", { class: "member-name" });
    const you = h("span", { class: "member-you", text: " (you)" });
    // The visible tag reads "Host"; a screen reader hears "Maria, Host".
    const host = h("span", { class: "member-host", testid: "member-host" }, h("span", { class: "visually-hidden", text: ", " }), "Host");
    const title = h("span", { class: "row-title" }, name, you, host);
    const state = h("span", { class: "row-meta member-state" });
    const mute = button("Mute", { cls: "button secondary small", testid: "member-mute" });
    const hand = button("Lower hand", { cls: "button quiet small", iconName: "hand", testid: "member-hand" });
    const remove = button("Remove…", { cls: "button quiet small danger-text", testid: "member-remove" });
    const row = { m, badge, name, you, host, state, mute, hand, remove };
    mute.addEventListener("click", () => muteMember(row));
    hand.addEventListener("click", () => lowerHand(row));
    remove.addEventListener("click", () => removeMember(row));
    row.node = h(
      "li",
      { class: "member", testid: "member" },
      badge,
      h("div", { class: "row-main" }, title, state),
      h("div", { class: "member-actions" }, mute, hand, remove),
    );
    return row;
  }

  function updateRow(row, m, settings) {
    row.m = m;
    setText(row.badge, initial(m.name) || "?");
    setText(row.name, m.name || "Someone");
    const self = Boolean(m.id) && m.id === me.view().memberId;
    row.you.hidden = !self;
    row.host.hidden = !m.host;
    row.node.dataset.host = String(m.host);
    const words = [];
    if (m.hand) words.push("Hand raised");
    if (m.speaking) words.push("Speaking");
    if (!m.muted) mutedByHost.delete(m.id);
    const byHost = m.muted && (mutedByHost.has(m.id) || (settings.mics_locked && !m.host));
    words.push(m.muted ? (byHost ? "Muted by the host" : "Muted") : "Microphone on");
    setText(row.state, words.join(" · "));
    row.node.dataset.speaking = String(m.speaking);
    row.node.dataset.hand = String(m.hand);
    row.hand.hidden = !m.hand;
    // While the quiet room is on, every member is muted anyway (hosts are
    // not held by it). The host's own row has no buttons: their microphone
    // is in the card above.
    row.mute.hidden = (Boolean(settings.mics_locked) && !m.host) || self;
    row.remove.hidden = self;
    // A muted member may have muted themselves: letting them unmute does not
    // turn anyone's microphone on; only they can.
    setText(row.mute.querySelector("span"), m.muted ? "Let them unmute" : "Mute");
    setAttr(row.mute, "aria-label", m.muted ? `Let ${m.name} unmute` : `Mute ${m.name}`);
    row.mute.className = m.muted ? "button quiet small" : "button secondary small";
    setAttr(row.hand, "aria-label", `Lower ${m.name}’s hand`);
    setAttr(row.remove, "aria-label", `Ask ${m.name} to leave`);
  }

  // renderHostRoom draws the host's own card: the way in (with a microphone
  // or just listening) while out, the microphone and Leave while in.
  function renderHostRoom() {
    const card = el("host-room");
    const v = me.view();
    // The room is there to join while it is open (doors open to the end).
    const open = Boolean(room) && session && session.state !== "ended";
    card.hidden = !open && !v.inRoom;
    card.dataset.phase = v.phase;
    card.dataset.mode = v.mode;
    const inside = v.inRoom || v.phase === "asking";
    el("host-room-out").hidden = inside;
    el("host-room-in").hidden = !inside;
    const nameField = el("host-room-name");
    if (!nameField.value && document.activeElement !== nameField) nameField.value = defaultName();
    setText(el("host-room-problem"), v.phase === "stopped" ? v.problem : el("host-room-problem").textContent);
    setText(el("host-room-status"), hostRoomStatus(v));
    setText(el("host-room-note"), hostRoomNote(v));
    const mic = el("host-mic");
    mic.hidden = v.mode !== "mic" || v.phase === "asking";
    mic.disabled = v.held;
    mic.dataset.on = String(v.micOn);
    setText(el("host-mic-label"), v.micOn ? "Turn microphone off" : "Turn microphone on");
    el("host-resume").hidden = v.phase !== "blocked";
    // Said once as it happens, for a screen reader, and focus kept in the card.
    if (v.phase !== lastPhase) {
      const was = lastPhase;
      lastPhase = v.phase;
      if (v.phase === "stopped" && was !== "stopped") {
        nameField.focus();
      } else if (v.phase === "connected" && was !== "blocked") {
        const b = v.mode === "mic" ? mic : el("host-leave");
        if (document.activeElement === el("host-join") || document.activeElement === el("host-listen") || document.activeElement === document.body) b.focus();
      }
    }
    if (room) renderRoom();
  }

  function hostRoomStatus(v) {
    switch (v.phase) {
      case "asking":
        return "Waiting for the browser to allow your microphone…";
      case "connecting":
        return "Joining the room…";
      case "waiting":
        return "The room isn’t open yet. You’ll be let in when it opens.";
      case "reconnecting":
        return "The connection dropped. Coming back…";
      case "blocked":
        return "The browser is holding the sound back. Tap below to hear the room.";
      case "connected":
        if (v.mode === "listen") return "You’re listening. Nobody hears you.";
        if (v.held) return "You’re in the room. Your microphone is off while microphones are held.";
        return v.micOn ? "You’re in the room. Everyone can hear you." : "You’re in the room. Your microphone is off.";
    }
    return "";
  }

  function hostRoomNote(v) {
    if (v.phase !== "connected" && v.phase !== "reconnecting") return "";
    if (v.mode === "listen") return "You hear the room as listeners do: the recording and everyone on a microphone.";
    if (v.held) return "Another host has muted your microphone.";
    return v.note || "You hear the recording and everyone on a microphone.";
  }

  // joinRoom is the tap on "Join with microphone" or "Just listen".
  function joinRoom(mode) {
    if (!session || !room) return;
    if (mode === "listen") {
      me.listen();
      return;
    }
    const field = el("host-room-name");
    const c = checkName(field.value);
    if (c.code) {
      setText(el("host-room-problem"), c.error);
      setAttr(field, "aria-invalid", "true");
      field.focus();
      return;
    }
    setText(el("host-room-problem"), "");
    field.removeAttribute("aria-invalid");
    field.value = c.name;
    me.joinWithMic(c.name);
  }

  // The name in the room starts as the host's username; what they type
  // stays for as long as the page is open (the dashboard stores nothing but
  // its sign-in).
  function defaultName() {
    return (app.host && app.host.username) || "";
  }

  function renderShare() {
    // Once it has ended its links lead nowhere.
    el("share-card").hidden = session.state === "ended";
    if (sharedFor === session.id) return;
    sharedFor = session.id;
    const box = el("share-links");
    clear(box);
    const slug = session.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "session";
    box.append(
      linkBox({ label: "Join link", hint: "For members: they can talk and listen.", url: session.join_url, name: `hearth-join-${slug}`, testid: "share-join" }),
      linkBox({ label: "Listen link", hint: "For listening only: nobody hears them.", url: session.listen_url, name: `hearth-listen-${slug}`, testid: "share-listen" }),
    );
  }

  // ---------------------------------------------------------------------------
  // Acting

  async function control(body, done, focusAfter) {
    try {
      const s = await api("POST", `/api/v1/sessions/${enc(sid)}/control`, body);
      session = s;
      stampedAt = performance.now();
      render();
      say(done);
      if (focusAfter) el(focusAfter).focus();
    } catch (err) {
      say(errorText(err), "error");
    }
  }

  async function skip() {
    const np = session && session.now_playing;
    const list = (session && session.playlist) || [];
    if (np && np.index >= list.length - 1 && !session.loop) {
      const ok = await confirmDialog({
        title: "This is the last recording",
        body: "Going on to the next one ends the session for everyone. Are you sure?",
        confirm: "End the session",
        cancel: "Keep playing",
      });
      if (!ok) return;
    }
    control({ action: "skip" }, "On to the next recording.");
  }

  async function nextPart() {
    const parts = (session && session.program) || [];
    const np = session && session.now_playing;
    if (!np) return;
    const i = Number(np.segment) || 0;
    if (i >= parts.length - 1) {
      const ok = await confirmDialog({
        title: "This is the last part",
        body: "Moving on from the last part ends the session for everyone. Are you sure?",
        confirm: "End the session",
        cancel: "Stay in this part",
      });
      if (!ok) return;
      await control({ action: "next" }, "The session has ended. Thank you for hosting.");
      el("live-heading").focus();
      return;
    }
    const next = parts[i + 1];
    await control({ action: "next" }, `On to the next part${next && next.name ? `: ${next.name}` : ""}.`);
  }

  async function endSession() {
    const ok = await confirmDialog({
      title: "End the session for everyone?",
      body: "The recording stops and everyone leaves the room. Members will see a thank-you message. This can’t be undone.",
      confirm: "End the session",
      cancel: "Keep it going",
    });
    if (!ok) return;
    await control({ action: "end" }, "The session has ended. Thank you for hosting.");
    el("live-heading").focus();
  }

  async function toggleRoom(key, buttonId, [onText, offText]) {
    const b = el(buttonId);
    const on = b.getAttribute("aria-checked") !== "true";
    setAttr(b, "aria-checked", String(on)); // at once; the answer confirms it
    try {
      const r = await api("POST", `/api/v1/sessions/${enc(sid)}/room`, { [key]: on });
      if (room) {
        room.room = r.room;
        room.roster = r.roster;
      }
      renderRoom();
      say(on ? onText : offText);
    } catch (err) {
      setAttr(b, "aria-checked", String(!on));
      say(errorText(err), "error");
    }
  }

  async function muteMember(row) {
    const m = row.m;
    const muted = !m.muted;
    try {
      await api("POST", `/api/v1/sessions/${enc(sid)}/members/${enc(m.id)}/mute`, { muted });
      if (muted) mutedByHost.add(m.id);
      else mutedByHost.delete(m.id);
      say(muted ? `${m.name} is muted.` : `${m.name} can unmute when they are ready.`);
      poll();
    } catch (err) {
      say(errorText(err), "error");
    }
  }

  async function lowerHand(row) {
    const m = row.m;
    try {
      await api("POST", `/api/v1/sessions/${enc(sid)}/members/${enc(m.id)}/hand`, { raised: false });
      say(`${m.name}’s hand is lowered.`);
      row.mute.focus();
      poll();
    } catch (err) {
      say(errorText(err), "error");
    }
  }

  async function removeMember(row) {
    const m = row.m;
    const ok = await confirmDialog({
      title: `Ask ${m.name} to leave?`,
      body: `${m.name} will leave the session and see a message that the host asked them to leave. They could come back with their link; if you need to, close the door afterwards.`,
      confirm: `Remove ${m.name}`,
      cancel: "Not now",
    });
    if (!ok) return;
    try {
      await removeRequest(m.id);
    } catch (err) {
      // 404: they are gone already (their page may have left first).
      if (err.status !== 404) {
        say(errorText(err), "error");
        return;
      }
    }
    say(`${m.name} is no longer in the session.`);
    poll();
  }

  // removeRequest removes a member. The server's remove route accepts only an
  // Authorization: Bearer host token, not the sign-in cookie, and answers a
  // cookie-signed-in host with 401. Then the dashboard makes a short-lived API
  // token of the host's own, uses it once and revokes it at once; it is kept
  // in memory only. Once the server takes the cookie there, the first call
  // succeeds and no token is made.
  async function removeRequest(mid) {
    const path = `/api/v1/sessions/${enc(sid)}/members/${enc(mid)}`;
    try {
      await api("DELETE", path, undefined, { own401: true });
      return;
    } catch (err) {
      if (err.status !== 401) throw err;
    }
    const tok = await api("POST", "/api/v1/tokens", { name: "Dashboard: removing a member (revoked at once)" });
    try {
      await api("DELETE", path, undefined, { headers: { Authorization: `Bearer ${tok.token}` }, own401: true });
    } finally {
      api("DELETE", `/api/v1/tokens/${enc(tok.id)}`).catch(() => {});
    }
  }

  return { enter, leave };
}

// clockText says a position as m:ss (or h:mm:ss).
function clockText(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(total / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = String(total % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}
