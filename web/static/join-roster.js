// @ts-check
// The join page's roster: who is on a microphone, updated in place row by
// row, so nothing flickers and a screen reader's place in the list is kept.
// Raised hands come first, in the order they went up (who speaks next is
// plain), then the host, then everyone by name, so rows keep their places.

import { ICON_SPEAKING, handsFirst, setData, setText, svgIcon } from "./shared.js";
import { initial, othersListeningPhrase } from "./text.js";

const ICON_HAND =
  "M8.5 12.5V5.2a1.4 1.4 0 0 1 2.8 0v5.6M11.3 10.3V3.9a1.4 1.4 0 0 1 2.8 0v6.4M14.1 10.6V5.2a1.4 1.4 0 0 1 2.8 0v6.6M16.9 11.3V8.4a1.4 1.4 0 0 1 2.8 0v6.1c0 4-3 6.9-6.8 6.9h-.7c-2 0-3.6-.9-4.8-2.5l-3.1-4.2a1.4 1.4 0 0 1 2.2-1.8l2 2.3";
const ICON_MUTED =
  "M9 5.5a3 3 0 0 1 6 0v6a3 3 0 0 1-6 0ZM5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21M4 3.5l16 17";

/**
 * @typedef {object} Self   what this page knows of its own member, ahead of the server
 * @property {string} id       our member id ("" until "welcome")
 * @property {boolean} muted
 * @property {boolean} hand
 * @property {Set<string>} speaking  who speaks now
 */

/**
 * rosterView draws the roster into list; empty is shown while nobody is on a
 * microphone, listeners says how many others listen.
 * @param {{list: HTMLElement, empty: HTMLElement, listeners: HTMLElement}} ui
 */
export function rosterView(ui) {
  /** @type {Map<string, ReturnType<typeof makeRow>>} */
  const rows = new Map();
  return {
    /**
     * @param {import("./shared.js").Member[]} roster
     * @param {number} listeners
     * @param {Self} self
     */
    render(roster, listeners, self) {
      const seen = new Set();
      let prev = null;
      for (const m of handsFirst(roster)) {
        let row = rows.get(m.id);
        if (!row) {
          row = makeRow(m.id);
          rows.set(m.id, row);
        }
        fillRow(row, m, self);
        const expected = prev ? prev.li.nextSibling : ui.list.firstChild;
        if (row.li !== expected) ui.list.insertBefore(row.li, expected);
        prev = row;
        seen.add(m.id);
      }
      for (const [id, row] of rows) {
        if (!seen.has(id)) {
          row.li.remove();
          rows.delete(id);
        }
      }
      ui.empty.hidden = roster.length > 0;
      setText(ui.listeners, othersListeningPhrase(listeners, roster.length > 0));
    },
  };
}

/**
 * @param {string} className
 * @param {string} [text]
 */
function span(className, text) {
  const s = document.createElement("span");
  s.className = className;
  if (text) s.textContent = text;
  return s;
}

/** @param {string} id */
function makeRow(id) {
  const li = document.createElement("li");
  li.className = "member";
  li.dataset.id = id;
  const badge = span("badge");
  badge.setAttribute("aria-hidden", "true");
  const who = span("who");
  const name = span("member-name");
  const you = span("member-you", " (you)");
  // A host in the room: a visible "Host" tag, read as "Maria, Host".
  const host = span("member-host");
  host.dataset.testid = "member-host";
  host.append(span("visually-hidden", ", "), document.createTextNode("Host"));
  who.append(name, you, host);
  const flags = span("flags");
  const speakingFlag = span("flag flag-speaking");
  speakingFlag.dataset.testid = "speaking";
  speakingFlag.append(svgIcon(ICON_SPEAKING, 22, true), span("visually-hidden", ", speaking"));
  const handFlag = span("flag flag-hand");
  handFlag.dataset.testid = "hand-raised";
  handFlag.append(svgIcon(ICON_HAND, 22, true), span("visually-hidden", ", hand raised"));
  const mutedFlag = span("flag flag-muted");
  mutedFlag.dataset.testid = "muted";
  mutedFlag.append(svgIcon(ICON_MUTED, 22, true), span("visually-hidden", ", muted"));
  flags.append(speakingFlag, handFlag, mutedFlag);
  li.append(badge, who, flags);
  return { li, badge, name, you, host, speakingFlag, handFlag, mutedFlag };
}

/**
 * @param {ReturnType<typeof makeRow>} row
 * @param {import("./shared.js").Member} m
 * @param {Self} self
 */
function fillRow(row, m, self) {
  const isSelf = Boolean(self.id) && m.id === self.id;
  const name = m.name.trim() || "Someone";
  setText(row.name, name);
  setText(row.badge, initial(name));
  row.you.hidden = !isSelf;
  row.host.hidden = !m.host;
  setData(row.li, "host", m.host ? "true" : "");
  // Our own row follows what we know locally; the server catches up.
  const muted = isSelf ? self.muted : m.muted;
  const hand = isSelf ? self.hand : m.hand;
  const talking = self.speaking.has(m.id) && !muted;
  setData(row.li, "speaking", talking ? "true" : "");
  setData(row.li, "self", isSelf ? "true" : "");
  setData(row.speakingFlag, "on", talking ? "true" : "");
  setData(row.handFlag, "on", hand ? "true" : "");
  setData(row.mutedFlag, "on", muted ? "true" : "");
}
