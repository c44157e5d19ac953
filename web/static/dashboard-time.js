// Time for the host dashboard: turning "19:00 on 24 November in Berlin" into
// the one instant the server stores, and saying instants back in plain words.
// Pure functions over the browser's Intl time-zone data, no library: the only
// thing Intl tells us is a zone's wall clock at an instant, and everything
// else (offsets, daylight-saving gaps and overlaps) is worked out from that.

const formatters = new Map();

// wallFormatter reads a zone's wall clock as numbers.
function wallFormatter(zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

// wallAt returns the wall-clock fields of zone at instant ms.
export function wallAt(ms, zone) {
  const out = {};
  for (const p of wallFormatter(zone).formatToParts(new Date(ms))) {
    if (p.type !== "literal") out[p.type] = Number(p.value);
  }
  // Some engines still write midnight as 24 even with h23.
  if (out.hour === 24) out.hour = 0;
  return { year: out.year, month: out.month, day: out.day, hour: out.hour, minute: out.minute, second: out.second };
}

// offsetAt is how far zone's wall clock is ahead of UTC at instant ms, in
// milliseconds (Berlin in winter: 3600000).
export function offsetAt(ms, zone) {
  const w = wallAt(ms, zone);
  const asUTC = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUTC - Math.floor(ms / 1000) * 1000;
}

// validZone reports whether the browser knows the time zone.
export function validZone(zone) {
  if (!zone || typeof zone !== "string") return false;
  try {
    wallFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

// zoneInstant finds the instant when zone's clocks show the wall time
// {year, month (1-12), day, hour, minute}. Most wall times happen exactly
// once. When the clocks go back, a time happens twice ("overlap"): the first
// is taken. When they jump forward, a time never happens ("gap"): the clock
// is moved on by the jump, as the clocks themselves are. The answer says
// which, with the wall time and offset that will really be shown then.
export function zoneInstant(wall, zone) {
  const local = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // The offsets a day either side; zones do not change twice in two days.
  const candidates = new Set([offsetAt(local - 86400000, zone), offsetAt(local + 86400000, zone), offsetAt(local, zone)]);
  const found = [];
  for (const off of candidates) {
    const ms = local - off;
    if (offsetAt(ms, zone) === off && !found.some((f) => f.ms === ms)) found.push({ ms, offset: off });
  }
  found.sort((a, b) => a.ms - b.ms);
  if (found.length > 0) {
    const first = found[0];
    return { ms: first.ms, offsetMs: first.offset, kind: found.length > 1 ? "overlap" : "exact", wall: wallAt(first.ms, zone) };
  }
  // A gap: read the time with the offset from before the jump, which lands
  // as far past the jump as the wall time was past its start.
  const before = offsetAt(local - 86400000, zone);
  const ms = local - before;
  return { ms, offsetMs: offsetAt(ms, zone), kind: "gap", wall: wallAt(ms, zone) };
}

const pad = (n, width = 2) => String(Math.abs(n)).padStart(width, "0");

// offsetText writes an offset as RFC 3339 does: +01:00, -03:30, +00:00.
export function offsetText(offsetMs) {
  const minutes = Math.round(offsetMs / 60000);
  const sign = minutes < 0 ? "-" : "+";
  return `${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

// rfc3339 writes instant ms as zone's wall time with its offset, which is
// what a person in that zone would read: 2026-11-24T19:00:00+01:00.
export function rfc3339(ms, zone) {
  const w = wallAt(ms, zone);
  const off = offsetAt(ms, zone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${offsetText(off)}`;
}

// parseDate reads the value of an <input type=date> ("2026-11-24").
export function parseDate(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value || ""));
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return { year, month, day };
}

// parseTime reads the value of an <input type=time> ("19:00" or "19:00:30").
export function parseTime(value) {
  const m = /^(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(String(value || ""));
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  if (hour > 23 || minute > 59) return null;
  return { hour, minute };
}

// dateValue and timeValue write wall-clock fields for the date and time inputs.
export function dateValue(w) {
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

export function timeValue(w) {
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

// zonePlace names a zone the way people do: "Europe/Berlin" is "Berlin",
// "America/Argentina/Buenos_Aires" is "Buenos Aires"; UTC stays UTC.
export function zonePlace(zone) {
  const z = String(zone || "");
  if (z === "UTC" || z === "Etc/UTC" || z === "Etc/GMT") return "UTC";
  if (z.startsWith("Etc/")) return z.slice(4);
  const last = z.split("/").pop() || z;
  return last.replace(/_/g, " ");
}

// zoneLabel is the option text for the zone picker: "Berlin (Europe/Berlin)".
export function zoneLabel(zone) {
  const place = zonePlace(zone);
  return place === zone ? zone : `${place} (${zone.replace(/_/g, " ")})`;
}

// The English the dashboard speaks, with the person's own order of day and
// month when their browser speaks English too.
function lang() {
  const l = typeof navigator !== "undefined" ? navigator.language || "" : "";
  return /^en\b/i.test(l) ? l : "en-GB";
}

// dayPhrase: "Tuesday 24 November" (or "Tuesday, November 24" in the US),
// with the year when it is not this year in that zone.
export function dayPhrase(ms, zone, nowMs = Date.now()) {
  const opts = { timeZone: zone, weekday: "long", day: "numeric", month: "long" };
  if (wallAt(ms, zone).year !== wallAt(nowMs, zone).year) opts.year = "numeric";
  return new Intl.DateTimeFormat(lang(), opts).format(new Date(ms));
}

// clockPhrase: "19:00", or "7:00 PM" where the person's locale says so.
export function clockPhrase(ms, zone) {
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: "numeric", minute: "2-digit" }).format(new Date(ms));
}

// whenPhrase says an instant in a zone's words: "Tuesday 24 November, 19:00
// Berlin time".
export function whenPhrase(ms, zone, nowMs = Date.now()) {
  return `${dayPhrase(ms, zone, nowMs)}, ${clockPhrase(ms, zone)} ${zonePlace(zone)} time`;
}

// wallClock says wall-clock fields as the person's locale writes a time:
// "02:30" or "2:30 AM".
export function wallClock(w) {
  return new Intl.DateTimeFormat(undefined, { timeZone: "UTC", hour: "numeric", minute: "2-digit" }).format(
    new Date(Date.UTC(2000, 0, 1, w.hour, w.minute)),
  );
}

// sameClock reports whether two zones show the same wall time at instant ms,
// so the dashboard need not say the time twice.
export function sameClock(ms, zoneA, zoneB) {
  return offsetAt(ms, zoneA) === offsetAt(ms, zoneB);
}

// shortWhen says when a session starts relative to today, in the browser's
// own zone: "Today at 19:00", "Tomorrow at 19:00", "Tuesday 24 November at
// 19:00".
export function shortWhen(ms, zone, nowMs = Date.now()) {
  const day = (t) => {
    const w = wallAt(t, zone);
    return Date.UTC(w.year, w.month - 1, w.day) / 86400000;
  };
  const diff = day(ms) - day(nowMs);
  const clock = clockPhrase(ms, zone);
  if (diff === 0) return `Today at ${clock}`;
  if (diff === 1) return `Tomorrow at ${clock}`;
  if (diff === -1) return `Yesterday at ${clock}`;
  return `${dayPhrase(ms, zone, nowMs)} at ${clock}`;
}

// startsPhrase fits shortWhen into a sentence: "today at 19:00", "tomorrow
// at 19:00", "on Tuesday 24 November at 19:00".
export function startsPhrase(ms, zone, nowMs = Date.now()) {
  const when = shortWhen(ms, zone, nowMs);
  if (/^(Today|Tomorrow|Yesterday) /.test(when)) return when.charAt(0).toLowerCase() + when.slice(1);
  return `on ${when}`;
}

// calendarDays is how many days apart two instants fall on zone's calendar:
// 23:00 and 01:00 the next morning are one day apart, though two hours.
export function calendarDays(ms, nowMs, zone) {
  const day = (t) => {
    const w = wallAt(t, zone);
    return Date.UTC(w.year, w.month - 1, w.day) / 86400000;
  };
  return Math.round(day(ms) - day(nowMs));
}

// untilPhrase says how long until an instant in rounded, calm words: "in 5
// minutes", "in about 3 hours", "tomorrow", "in 2 days". Days are counted on
// the calendar of zone (the device's own by default), as shortWhen counts
// them, so the two never disagree: a session 42 hours away that starts on
// tomorrow's date is "tomorrow", not "in 2 days", and one 30 hours away that
// starts the day after tomorrow is "in 2 days", not "tomorrow". Within a day
// it says hours, which are true whatever the date.
export function untilPhrase(ms, nowMs = Date.now(), zone = browserZone()) {
  const s = Math.round((ms - nowMs) / 1000);
  if (s <= 30) return "in a moment";
  const min = Math.ceil(s / 60);
  if (min < 60) return min === 1 ? "in 1 minute" : `in ${min} minutes`;
  const h = Math.round(min / 60);
  if (h < 24) return h === 1 ? "in about an hour" : `in about ${h} hours`;
  const d = Math.max(1, calendarDays(ms, nowMs, zone));
  return d === 1 ? "tomorrow" : `in ${d} days`;
}

// ---------------------------------------------------------------------------
// Repeating sessions: the RRULE the server takes, built from a host's choice
// of how often and on which days, and said back in words.

export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const WEEKDAY_NAMES = { MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday", SA: "Saturday", SU: "Sunday" };
const NTH_NAMES = { 1: "first", 2: "second", 3: "third", 4: "fourth", "-1": "last" };

// repeatRule builds the rule for "weekly", "fortnightly" or "monthly" on the
// given days (MO..SU); monthly takes nth (1-4, or -1 for the last). It
// answers {rule} or {error} with a sentence for the host.
export function repeatRule(freq, days, nth = 1) {
  const picked = WEEKDAYS.filter((d) => (days || []).includes(d));
  if (picked.length === 0) return { error: "Please choose at least one day." };
  switch (freq) {
    case "weekly":
      return { rule: `FREQ=WEEKLY;BYDAY=${picked.join(",")}` };
    case "fortnightly":
      return { rule: `FREQ=WEEKLY;INTERVAL=2;BYDAY=${picked.join(",")}` };
    case "monthly": {
      const n = Number(nth);
      if (![1, 2, 3, 4, -1].includes(n)) return { error: "Please choose which week of the month." };
      return { rule: `FREQ=MONTHLY;BYDAY=${picked.map((d) => `${n}${d}`).join(",")}` };
    }
    default:
      return { error: "Please choose how often it repeats." };
  }
}

// weekdayOf is the MO..SU code of a calendar date {year, month, day}.
export function weekdayOf(d) {
  const js = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay(); // 0 is Sunday
  return WEEKDAYS[(js + 6) % 7];
}

// nthOfMonth says which of its weekday in the month a date is: 1 for the
// first Tuesday, and whether it is also the last.
function nthOfMonth(d) {
  const n = Math.floor((d.day - 1) / 7) + 1;
  const daysInMonth = new Date(Date.UTC(d.year, d.month, 0)).getUTCDate();
  return { n, last: d.day + 7 > daysInMonth };
}

// firstRepeatDay is the first date on or after from (a calendar date) that
// the repeat falls on, so the series starts on one of its own days.
export function firstRepeatDay(from, freq, days, nth = 1) {
  if (repeatRule(freq, days, nth).error || !from) return null;
  const picked = new Set(days || []);
  for (let i = 0; i < 400; i++) {
    const t = new Date(Date.UTC(from.year, from.month - 1, from.day + i));
    const d = { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
    if (!picked.has(weekdayOf(d))) continue;
    if (freq === "monthly") {
      const m = nthOfMonth(d);
      if (Number(nth) === -1 ? !m.last : m.n !== Number(nth)) continue;
    }
    return d;
  }
  return null;
}

// listPhrase joins words as people do: "Tuesday and Thursday", "Monday,
// Wednesday and Friday".
function listPhrase(words) {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

// repeatPhrase says a repeat in words: "Every other Tuesday and Thursday",
// "Every week on Monday", "The last Friday of every month".
export function repeatPhrase(freq, days, nth = 1) {
  const names = WEEKDAYS.filter((d) => (days || []).includes(d)).map((d) => WEEKDAY_NAMES[d]);
  if (names.length === 0) return "";
  const list = listPhrase(names);
  if (freq === "weekly") return `Every ${list}`;
  if (freq === "fortnightly") return `Every other ${list}`;
  if (freq === "monthly") return NTH_NAMES[String(Number(nth))] ? `The ${NTH_NAMES[String(Number(nth))]} ${list} of every month` : "";
  return "";
}

// agoPhrase says how long ago, for the activity log: "just now", "5 minutes
// ago", "3 hours ago", "2 days ago".
export function agoPhrase(ms, nowMs = Date.now()) {
  const s = Math.round((nowMs - ms) / 1000);
  if (s < 60) return "just now";
  const min = Math.floor(s / 60);
  if (min < 60) return min === 1 ? "1 minute ago" : `${min} minutes ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return h === 1 ? "1 hour ago" : `${h} hours ago`;
  const d = Math.floor(h / 24);
  return d === 1 ? "yesterday" : `${d} days ago`;
}

// durationPhrase says a length: "4 min 12 s", "1 h 5 min", "45 s".
export function durationPhrase(ms) {
  const s = Math.max(0, Math.round(Number(ms) / 1000) || 0);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return m ? `${h} h ${m} min` : `${h} h`;
  const rest = s % 60;
  return rest ? `${m} min ${rest} s` : `${m} min`;
}

// browserZone is the zone the device is set to, or UTC if it will not say.
export function browserZone() {
  try {
    const z = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return validZone(z) ? z : "UTC";
  } catch {
    return "UTC";
  }
}

// allZones lists the zones the browser knows, sorted, with the device's own
// zone always among them.
export function allZones(own) {
  let list = [];
  try {
    list = Intl.supportedValuesOf("timeZone");
  } catch {
    list = [];
  }
  const set = new Set(list);
  if (own) set.add(own);
  set.add("UTC");
  return [...set].sort();
}
