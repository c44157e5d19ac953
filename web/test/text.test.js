// Tests of web/static/text.js under node: names checked as the server checks
// them, and start times that never contradict themselves.
import test from "node:test";
import assert from "node:assert/strict";

// A zone with a summer-time change, set before any date is made.
process.env.TZ = "America/New_York";
const { NAME_ERRORS, calendarDays, checkName, countdownPhrase, cleanName, graphemes, nextSessionPhrase, partPhrase, startsLine, startsPhrase } = await import("../static/text.js");

const local = (y, mo, d, h, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();

test("names as people write them are taken, counted in grapheme clusters after NFC", () => {
  for (const name of ["👩‍👧 Mãe", "Ana", "محمد", "שרה", "🇵🇹".repeat(40), "e\u0301".repeat(40), "  Zoë  ", "Ren 🙂"]) {
    const c = checkName(name);
    assert.equal(c.code, "", name);
    assert.equal(c.name, name.normalize("NFC").trim());
  }
  assert.equal(checkName("Ma\u0303e").name, "Mãe"); // composed
  assert.equal(graphemes("👩‍👧 Mãe"), 5);
});

test("empty, too long, invisible and control names are refused with a sentence", () => {
  const cases = [
    ["", "name_empty"],
    ["   \t ", "name_empty"],
    ["\u200d\u200d", "name_invisible"],
    ["\u200b", "name_invisible"],
    ["\u3164", "name_invisible"],
    ["\u2800\ufe0f", "name_invisible"],
    ["An\u0007a", "name_invisible"],
    ["a".repeat(41), "name_too_long"],
    ["x".repeat(1000), "name_too_long"],
    ["🇵🇹".repeat(41), "name_too_long"],
  ];
  for (const [name, code] of cases) {
    const c = checkName(name);
    assert.equal(c.code, code, JSON.stringify(name));
    assert.equal(c.name, "");
    assert.equal(c.error, NAME_ERRORS[code]);
    assert.equal(cleanName(name), "");
  }
  // HTML is a name like any other: the page shows it as text.
  assert.equal(checkName("<b>Al</b>").name, "<b>Al</b>");
});

test("a start tomorrow is tomorrow, whatever the hours between (the '(in 2 days)' contradiction)", () => {
  const now = local(2026, 3, 10, 0, 30);
  const starts = new Date(local(2026, 3, 11, 19, 0)).toISOString(); // 42.5 hours on
  assert.equal(calendarDays(now, Date.parse(starts)), 1);
  const line = startsLine(starts, now);
  assert.match(line, /^Starts tomorrow at 7:00\sPM$/);
  assert.doesNotMatch(line, /day|\(in/);
  // Late in the evening, a start after midnight is also tomorrow, not today.
  const late = local(2026, 3, 10, 23, 50);
  const early = new Date(local(2026, 3, 11, 0, 20)).toISOString();
  assert.match(startsPhrase(early, late), /^tomorrow at 12:20\sAM$/);
  assert.equal(startsLine(early, late), `Starts ${startsPhrase(early, late)}`);
});

test("today's start says the time and how long until it", () => {
  const now = local(2026, 3, 10, 17, 0);
  const starts = new Date(local(2026, 3, 10, 19, 0)).toISOString();
  assert.match(startsLine(starts, now), /^Starts at 7:00\sPM \(in 2 hours\)$/);
  assert.equal(startsLine(starts, Date.parse(starts) + 1), "Starting any moment now");
  assert.equal(startsLine("not a date", now), "Starting soon");
});

test("calendar days count midnights across a summer-time change", () => {
  // New York springs forward on 8 March 2026: that day has 23 hours.
  assert.equal(calendarDays(local(2026, 3, 7, 23, 0), local(2026, 3, 8, 23, 30)), 1);
  assert.equal(calendarDays(local(2026, 3, 7, 0, 10), local(2026, 3, 9, 23, 50)), 2);
  assert.equal(calendarDays(local(2026, 11, 1, 0, 5), local(2026, 11, 1, 23, 55)), 0);
  assert.match(startsPhrase(new Date(local(2026, 3, 12, 19, 0)).toISOString(), local(2026, 3, 10, 9, 0)), /^on Thu, Mar 12 at 7:00\sPM$|^on Thu 12 Mar at 7:00\sPM$/);
});

test("a part with no playlist says its name and time left, never Untitled", () => {
  assert.equal(partPhrase("Sharing circle", 720000), "Sharing circle · 12 min left");
  assert.equal(partPhrase("Sharing circle", 719001), "Sharing circle · 12 min left");
  assert.equal(partPhrase("Sharing circle", 30000), "Sharing circle · less than a minute left");
  assert.equal(partPhrase("Sharing circle", null), "Sharing circle");
  assert.equal(partPhrase("", 120000), "This part · 2 min left");
  assert.equal(partPhrase("Closing bell", 0), "Closing bell · ending now");
});

test("an ended page names the circle's next session, only when it is ahead", () => {
  const now = local(2026, 3, 10, 20, 0);
  const next = { id: "n1", title: "Tuesday circle", starts_at: new Date(local(2026, 3, 11, 19, 0)).toISOString() };
  assert.match(nextSessionPhrase(next, now), /^The circle meets again tomorrow at 7:00\sPM: Tuesday circle\.$/);
  assert.equal(nextSessionPhrase({ ...next, starts_at: new Date(now - 1000).toISOString() }, now), "");
  assert.equal(nextSessionPhrase(null, now), "");
  assert.match(nextSessionPhrase({ starts_at: next.starts_at }, now), /^The circle meets again tomorrow at 7:00\sPM\.$/);
});

test("the countdown never promises a start sooner than the truth, in minutes, hours, then days", () => {
  const min = 60000, hour = 60 * min, day = 24 * hour;
  for (const [ms, want] of [
    [59000, "less than a minute"], [61000, "2 minutes"], [min, "1 minute"], [59 * min, "59 minutes"],
    [hour, "1 hour"], [hour + 1, "1 hour 1 min"], [23 * hour + 59 * min, "23 hours 59 min"],
    [day, "1 day"], [day + 1, "1 day 1 hour"], [day + 5 * hour, "1 day 5 hours"], [2 * day + 23 * hour, "2 days 23 hours"],
    [3 * day, "3 days"], [3 * day + 1, "4 days"], [7 * day - 20 * min, "7 days"], [7 * day, "7 days"],
  ]) assert.equal(countdownPhrase(ms), want, String(ms));
});
