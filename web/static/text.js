// @ts-check
// Words and numbers for the listen and join pages: small pure functions, kept
// apart from the pages' state so they are easy to read and to check on their own.

// readSessionId takes the session id from /listen/{id} (or /join/{id} with
// segment "join"); the page is the same for every session, so the path is the
// only place the id lives.
export function readSessionId(path, segment = "listen") {
  const parts = path.split("/").filter(Boolean);
  const i = parts.lastIndexOf(segment);
  if (i < 0 || i + 1 >= parts.length) return "";
  try {
    return decodeURIComponent(parts[i + 1]);
  } catch {
    return "";
  }
}

// The token is read by hand rather than with URLSearchParams, which would turn
// a "+" in a base64 token into a space.
export function readToken(hash) {
  for (const part of hash.replace(/^#/, "").split("&")) {
    if (part.startsWith("t=")) {
      try {
        return decodeURIComponent(part.slice(2)).trim();
      } catch {
        return "";
      }
    }
  }
  return "";
}

// clock writes a duration the way a player does: m:ss, or h:mm:ss past an hour.
export function clock(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

// countdownPhrase says how long until the start in plain words, rounded up so
// that it never promises a start sooner than the truth: minutes within the
// hour, hours and minutes within the day, then days and hours ("1 day 5
// hours"), and from three days on whole days ("7 days", not "168 hours").
/** @param {number} ms */
export function countdownPhrase(ms) {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return "less than a minute";
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return minutes === 1 ? "1 minute" : `${minutes} minutes`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h < 24) {
    const hours = h === 1 ? "1 hour" : `${h} hours`;
    return m === 0 ? hours : `${hours} ${m} min`;
  }
  const totalHours = Math.ceil(minutes / 60);
  if (totalHours >= 72) return `${Math.ceil(totalHours / 24)} days`;
  const d = Math.floor(totalHours / 24);
  const rh = totalHours % 24;
  const days = d === 1 ? "1 day" : `${d} days`;
  return rh === 0 ? days : `${days} ${rh === 1 ? "1 hour" : `${rh} hours`}`;
}

// startsPhrase says when, in the listener's own clock, zone and words: "at
// 19:00", "tomorrow at 19:00" or "on Tue 4 Nov at 19:00". now is the server's
// time as the page best knows it (the device clock corrected by the skew
// measured against the server), so the day named agrees with any countdown
// shown beside it.
/**
 * @param {string | number | Date} startsAt
 * @param {number} [now]  ms since the epoch
 */
export function startsPhrase(startsAt, now = Date.now()) {
  const when = new Date(startsAt);
  if (Number.isNaN(when.getTime())) return "soon";
  const time = when.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
  const days = calendarDays(now, when.getTime());
  if (days === 0) return `at ${time}`;
  if (days === 1) return `tomorrow at ${time}`;
  const date = when.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
  return `on ${date} at ${time}`;
}

// calendarDays counts the midnights (in the viewer's zone) from "from" to
// "to": 1 for tomorrow however few hours away it is. Counting 24-hour spans
// instead is what made "tomorrow at 7:00 PM (in 2 days)": at 00:30, 7 PM the
// next day is 42.5 hours away, which rounds to two days but is tomorrow.
/**
 * @param {number} from  ms since the epoch
 * @param {number} to    ms since the epoch
 */
export function calendarDays(from, to) {
  const a = new Date(from);
  const b = new Date(to);
  // Date.UTC of the local calendar dates: whole days, untouched by DST.
  const da = Date.UTC(a.getFullYear(), a.getMonth(), a.getDate());
  const db = Date.UTC(b.getFullYear(), b.getMonth(), b.getDate());
  return Math.round((db - da) / 86400000);
}

// startsLine is the join page's line before the start: the day and time, and
// how long until then only when that is today, in hours and minutes; a start
// on another day is said by its day alone, so the two never disagree.
/**
 * @param {string} startsAt
 * @param {number} now  ms since the epoch, on the server's clock
 */
export function startsLine(startsAt, now) {
  const starts = Date.parse(startsAt);
  if (!Number.isFinite(starts)) return "Starting soon";
  const left = starts - now;
  if (left <= 0) return "Starting any moment now";
  const when = startsPhrase(startsAt, now);
  if (calendarDays(now, starts) !== 0) return `Starts ${when}`;
  return `Starts ${when} (in ${countdownPhrase(left)})`;
}

// nextSessionPhrase names a circle's next session for an ended page: "The
// circle meets again tomorrow at 7:00 PM: Tuesday circle."
/**
 * @param {{title?: unknown, starts_at?: unknown} | null | undefined} next
 * @param {number} now  ms since the epoch
 */
export function nextSessionPhrase(next, now) {
  if (!next || typeof next !== "object" || typeof next.starts_at !== "string") return "";
  const starts = Date.parse(next.starts_at);
  if (!Number.isFinite(starts) || starts <= now) return "";
  const title = typeof next.title === "string" ? next.title.trim() : "";
  const when = startsPhrase(next.starts_at, now);
  return title ? `The circle meets again ${when}: ${title}.` : `The circle meets again ${when}.`;
}

// partPhrase says what a program part without a playlist is and how long it
// has left: "Sharing circle · 12 min left". remainingMs is null when the part
// runs until the host moves on.
/**
 * @param {string} name
 * @param {number | null} remainingMs
 */
export function partPhrase(name, remainingMs) {
  const what = String(name || "").trim() || "This part";
  if (remainingMs === null || !Number.isFinite(remainingMs)) return what;
  if (remainingMs <= 0) return `${what} · ending now`;
  const min = Math.ceil(remainingMs / 60000);
  if (remainingMs < 60000) return `${what} · less than a minute left`;
  return `${what} · ${min} min left`;
}

// circlePhrase says who is here, without naming anyone: "4 people in the
// circle · 7 listening". Members are those on a microphone (the roster);
// listeners hear the room without one.
export function circlePhrase(members, listeners) {
  const m = count(members);
  const l = count(listeners);
  const circle = m === 1 ? "1 person in the circle" : `${m} people in the circle`;
  if (m > 0 && l > 0) return `${circle} · ${l} listening`;
  if (m > 0) return circle;
  if (l > 0) return l === 1 ? "1 person listening" : `${l} people listening`;
  return "Nobody is here yet";
}

function count(n) {
  const c = Math.floor(Number(n));
  return Number.isFinite(c) && c > 0 ? c : 0;
}

// speakingPhrase names who is speaking, shortest first: "Anna is speaking",
// "Anna and Ben are speaking", "Anna, Ben and 2 others are speaking".
export function speakingPhrase(names) {
  const list = names.map((n) => String(n || "").trim() || "Someone");
  if (list.length === 0) return "";
  if (list.length === 1) return `${list[0]} is speaking`;
  if (list.length === 2) return `${list[0]} and ${list[1]} are speaking`;
  if (list.length === 3) return `${list[0]}, ${list[1]} and ${list[2]} are speaking`;
  const others = list.length - 2;
  return `${list[0]}, ${list[1]} and ${others} others are speaking`;
}

// NAME_MAX is the longest display name the server takes, in grapheme
// clusters (what a person sees as one letter or one emoji) after trimming.
export const NAME_MAX = 40;

// Characters that show nothing by themselves: spaces, format characters
// (joiners, direction marks), variation selectors, fillers and the blank
// braille pattern.
const INVISIBLE = /[\p{White_Space}\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u2800\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/gu;
const CONTROL = /\p{Cc}/u;

/**
 * graphemes counts what a person sees as letters: "👩‍👧" is one, "Mãe" three.
 * @param {string} s
 */
export function graphemes(s) {
  if (typeof Intl === "object" && typeof Intl.Segmenter === "function") {
    let n = 0;
    for (const _ of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(s)) n++;
    return n;
  }
  // Without Segmenter: a base character and the marks and joins after it.
  return (s.match(/\P{M}(\p{M}|\u200D\P{M}|[\uFE0E\uFE0F])*/gu) || []).length;
}

/**
 * @typedef {object} NameCheck
 * @property {string} name   the name as the server will keep it, or ""
 * @property {"" | "name_empty" | "name_too_long" | "name_invisible"} code
 * @property {string} error  a sentence for beside the field, or ""
 */

/**
 * checkName validates a typed display name the way the server does (see
 * docs/PROTOCOL.md): NFC, trimmed, 1-40 grapheme clusters, and something
 * visible in it; control characters are refused.
 * @param {unknown} raw
 * @returns {NameCheck}
 */
export function checkName(raw) {
  const name = String(raw ?? "").normalize("NFC").trim();
  if (name === "") return { name: "", code: "name_empty", error: NAME_ERRORS.name_empty };
  if (CONTROL.test(name) || name.replace(INVISIBLE, "") === "") {
    return { name: "", code: "name_invisible", error: NAME_ERRORS.name_invisible };
  }
  if (graphemes(name) > NAME_MAX) return { name: "", code: "name_too_long", error: NAME_ERRORS.name_too_long };
  return { name, code: "", error: "" };
}

// What the page says beside the name field, by the server's code too.
export const NAME_ERRORS = {
  name_empty: "Please write a name first. A nickname is fine.",
  name_too_long: "Please keep it to 40 letters or fewer.",
  name_invisible: "Please use letters, numbers or emoji we can show. This name has characters that can’t be seen.",
  name_taken:
    "Someone in the room already has this name. It may be you in another tab or on another device; if not, please add an initial or choose another name.",
};

/**
 * cleanName returns the name checkName accepts, or "".
 * @param {unknown} raw
 */
export function cleanName(raw) {
  return checkName(raw).name;
}

// initial is the first letter of a name, for the round badge in the roster.
export function initial(name) {
  const first = [...String(name || "").trim()][0] || "";
  return first.toLocaleUpperCase();
}

// othersListeningPhrase follows the list of people with microphones:
// "and 3 listening". With nobody on a microphone it stands alone.
export function othersListeningPhrase(n, anyoneOnMic) {
  const count = Math.floor(Number(n));
  if (!Number.isFinite(count) || count < 1) return "";
  if (anyoneOnMic) return `and ${count} listening`;
  return count === 1 ? "1 person is listening" : `${count} people are listening`;
}

// reactionPhrase says one reaction in words: "Anna lit a candle".
export function reactionPhrase(kind, name, mine) {
  const who = mine ? "You" : String(name || "").trim() || "Someone";
  return kind === "heart" ? `${who} sent a heart` : `${who} lit a candle`;
}

// reactionsPhrase folds several reactions into one line: "3 candles and 1
// heart from the group"; a single one is said in full.
export function reactionsPhrase(list) {
  if (list.length === 0) return "";
  if (list.length === 1) return reactionPhrase(list[0].kind, list[0].name, list[0].mine);
  const candles = list.filter((r) => r.kind !== "heart").length;
  const hearts = list.length - candles;
  const parts = [];
  if (candles) parts.push(candles === 1 ? "1 candle" : `${candles} candles`);
  if (hearts) parts.push(hearts === 1 ? "1 heart" : `${hearts} hearts`);
  return `${parts.join(" and ")} from the group`;
}

// reactionsSummary is reactionsPhrase as a sentence for screen readers, so a
// burst of candles is one calm announcement and not ten.
export function reactionsSummary(list) {
  const phrase = reactionsPhrase(list);
  return phrase ? `${phrase}.` : "";
}
