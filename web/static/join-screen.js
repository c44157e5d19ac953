// @ts-check
// The join page's screen drawn from the page's state: which view shows, the
// title, the session's state line, the end screen, the status lines, the
// microphone and hand buttons, what is playing and the roster. The words are
// join-words.js's; this module puts them on the page. join.js owns the state
// and hands it over as facts() at each render.

import { renderAfterwards, renderNowPlaying, renderSessionLinks, renderTitle, setAttr, setData, setText } from "./shared.js";
import { rosterView } from "./join-roster.js";
import { endWords, micWords, statusWords, viewOf } from "./join-words.js";
import { startsLine } from "./text.js";

/**
 * @typedef {object} Facts
 * @property {any} info                the session's info, or null before the first poll
 * @property {string} linkProblem      why the link cannot be used, or ""
 * @property {boolean} hasWebRTC
 * @property {string} finish           "", "left", "removed" or "ended"
 * @property {boolean} want            we should be in the room
 * @property {string} mode             "", "mic" or "listen"
 * @property {string} statusDetail     "", "offline", "busy", "full" or "doors"
 * @property {any} nowPlaying
 * @property {number} nowPlayingAt
 * @property {import("./shared.js").Member[]} roster
 * @property {number} listeners
 * @property {Set<string>} speaking
 */

/**
 * joinScreen returns the page's render functions.
 * @param {object} o
 * @param {any} o.ui                         join.js's elements (liveElements and its own)
 * @param {Document} o.doc
 * @param {{state: string, memberId: string}} o.hearth
 * @param {{isOn: () => boolean, isLost: () => boolean}} o.mic
 * @param {{held: () => boolean, roomLocked: () => boolean, byHost: () => boolean}} o.hold
 * @param {{raised: () => boolean}} o.hand
 * @param {{trouble: () => boolean, serverNow: () => number}} o.poller
 * @param {() => Facts} o.facts
 */
export function joinScreen({ ui, doc, hearth, mic, hold, hand, poller, facts }) {
  function view() {
    const f = facts();
    return viewOf({ linkProblem: f.linkProblem, finish: f.finish, info: f.info, want: f.want });
  }

  function render() {
    const f = facts();
    const title = renderTitle(ui.title, f.info, Boolean(f.linkProblem));
    const v = view();
    setData(ui.page, "view", v);
    setAttr(ui.page, "data-mode", f.want ? f.mode : "");
    const docTitle = f.info ? `${title} · Hearth` : "Join · Hearth";
    if (doc.title !== docTitle) doc.title = docTitle;

    const ready = Boolean(f.info) && !f.linkProblem && f.hasWebRTC && v === "join";
    ui.joinMic.disabled = !ready;
    ui.joinListen.disabled = !ready;

    renderState();
    renderEnd(v);
    renderRoom();
    renderStatus();
    renderContribute();
  }

  function renderState() {
    const { info, linkProblem, finish, nowPlaying } = facts();
    let text = "";
    let kind = "";
    if (linkProblem) text = "";
    else if (!info) text = poller.trouble() ? "We can’t reach Hearth right now. We’ll keep trying." : "Getting things ready…";
    else if (finish || info.state === "ended") text = "";
    else if (info.state === "scheduled") {
      text = startsLine(info.starts_at, poller.serverNow());
    } else if (info.state === "live") {
      // What plays comes from the poll or, at once, from the room's state.
      const paused = nowPlaying && nowPlaying.paused;
      text = paused ? "Live · paused by the host" : "Live now";
      kind = "live";
    }
    setText(ui.state, text);
    setData(ui.state, "kind", kind);
    // An empty line would still take its margin under the title.
    ui.state.hidden = !text;
  }

  /** @param {string} v */
  function renderEnd(v) {
    const { info, linkProblem } = facts();
    const { message, note, rejoin } = endWords(v, linkProblem);
    setText(ui.endMessage, message);
    setText(ui.endNote, note);
    ui.rejoin.hidden = !rejoin;
    // An ended session leads on: the circle's next session and its support.
    renderAfterwards(ui, info, v === "ended", poller.serverNow());
  }

  function renderStatus() {
    const f = facts();
    const { text, kind, joinText } = statusWords({
      state: hearth.state,
      mode: f.mode,
      detail: f.statusDetail,
      micOn: mic.isOn(),
      micLost: mic.isLost(),
      locked: hold.held(),
      roomLocked: hold.roomLocked(),
      byHost: hold.byHost(),
      hasWebRTC: f.hasWebRTC,
      linkProblem: f.linkProblem,
    });
    setText(ui.status, text);
    setData(ui.status, "kind", kind);
    ui.altListen.hidden = !(f.want && f.mode === "mic" && f.statusDetail === "full");
    setText(ui.joinStatus, joinText);
  }

  function renderMic() {
    const { mode, speaking } = facts();
    const locked = hold.held();
    const { on, text, state } = micWords({ micOn: mic.isOn(), locked, micLost: mic.isLost() });
    ui.mic.disabled = mode === "mic" && locked;
    setAttr(ui.mic, "aria-pressed", on ? "true" : "false");
    setText(ui.micState, text);
    setAttr(ui.mic, "data-state", state);
    const self = hearth.memberId && speaking.has(hearth.memberId);
    setData(ui.mic, "speaking", on && self ? "true" : "");
  }

  function renderActions() {
    setAttr(ui.hand, "aria-pressed", hand.raised() ? "true" : "false");
    setText(ui.handLabel, hand.raised() ? "Lower hand" : "Raise hand");
  }

  function renderRoom() {
    renderMic();
    renderActions();
    renderRoster();
    renderNow();
  }

  function renderNow() {
    const { info, nowPlaying, nowPlayingAt } = facts();
    let empty = "Nothing is playing right now";
    if (info && info.state === "scheduled") empty = "Nothing yet. It will start by itself.";
    renderNowPlaying(ui, nowPlaying, nowPlayingAt, empty);
  }

  // The roster, row by row (join-roster.js); our own row follows what we know
  // locally, and the server catches up.
  const rosterList = rosterView({ list: ui.roster, empty: ui.rosterEmpty, listeners: ui.listeners });

  function renderRoster() {
    const { roster, listeners, speaking } = facts();
    rosterList.render(roster, listeners, {
      id: hearth.memberId,
      muted: !mic.isOn() || hold.held() || mic.isLost(),
      hand: hand.raised(),
      speaking,
    });
  }

  // renderContribute shows the links the session info offers: the memorial
  // collage's contribution page (memorial sessions only, while the collage takes
  // photos and songs) and "Add to calendar".
  function renderContribute() {
    const { info, linkProblem, finish } = facts();
    const over = Boolean(linkProblem) || finish === "removed" || finish === "ended" || Boolean(info && info.state === "ended");
    renderSessionLinks(ui, info, over);
  }

  function tick() {
    const { info } = facts();
    renderNow();
    if (info && info.state === "scheduled") renderState();
  }

  return { view, render, renderState, renderStatus, renderMic, renderActions, renderRoom, renderNow, renderRoster, tick };
}
