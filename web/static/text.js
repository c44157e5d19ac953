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
// that it never promises a start sooner than the truth.
export function countdownPhrase(ms) {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return "less than a minute";
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return minutes === 1 ? "1 minute" : `${minutes} minutes`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const hours = h === 1 ? "1 hour" : `${h} hours`;
  return m === 0 ? hours : `${hours} ${m} min`;
}

// startsPhrase says when, in the listener's own clock and words: "at 19:00",
// "tomorrow at 19:00" or "on Tue 4 Nov at 19:00".
export function startsPhrase(startsAt) {
  const when = new Date(startsAt);
  if (Number.isNaN(when.getTime())) return "soon";
  const time = when.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
  const today = new Date();
  const days = Math.round((startOfDay(when) - startOfDay(today)) / 86400000);
  if (days === 0) return `at ${time}`;
  if (days === 1) return `tomorrow at ${time}`;
  const date = when.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
  return `on ${date} at ${time}`;
}

function startOfDay(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
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

// NAME_MAX is the longest display name the server takes, in characters
// (code points) after trimming.
export const NAME_MAX = 40;

// cleanName trims a typed display name and returns it, or "" when it is empty
// or longer than the server allows.
export function cleanName(raw) {
  const name = String(raw || "").replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  const length = [...name].length;
  return length >= 1 && length <= NAME_MAX ? name : "";
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
