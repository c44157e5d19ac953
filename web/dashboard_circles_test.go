package web

import "testing"

// "Starts tomorrow at 7:00 PM (in 2 days)": the circle page puts shortWhen (calendar days in the
// zone) next to untilPhrase, which used to round hours to days. They must agree whatever the
// hour: a start on tomorrow's date is "tomorrow" even 42 hours ahead, and one on the day after
// tomorrow is "in 2 days" even 26 hours ahead. Hours within a day stay hours.
func TestDashboardUntilAgreesWithTheCalendar(t *testing.T) {
	out, _ := node(t, `
import { shortWhen, untilPhrase } from "./dashboard-time.mjs";
const cases = [
  // now (UTC), start (UTC), zone
  ["2026-12-07T01:00:00Z", "2026-12-08T19:00:00Z", "UTC"],          // 42 h, tomorrow's date
  ["2026-12-07T22:00:00Z", "2026-12-09T01:00:00Z", "UTC"],          // 27 h, the day after tomorrow
  ["2026-12-07T20:00:00Z", "2026-12-08T19:00:00Z", "UTC"],          // 23 h
  ["2026-12-07T23:30:00Z", "2026-12-08T00:10:00Z", "UTC"],          // 40 min, past midnight
  ["2026-12-07T10:00:00Z", "2026-12-14T10:00:00Z", "UTC"],          // a week
  ["2026-12-07T23:30:00Z", "2026-12-09T18:00:00Z", "Europe/Berlin"], // Berlin: already the 8th at 00:30
  ["2026-12-08T03:00:00Z", "2026-12-09T20:00:00Z", "America/New_York"], // New York: still the 7th at 22:00
];
for (const [now, at, zone] of cases) {
  const n = Date.parse(now), a = Date.parse(at);
  console.log(shortWhen(a, zone, n).replace(/ at .*/, ""), "|", untilPhrase(a, n, zone));
}
`, "dashboard-time.js")
	want := `Tomorrow | tomorrow
Wednesday 9 December | in 2 days
Tomorrow | in about 23 hours
Tomorrow | in 40 minutes
Monday 14 December | in 7 days
Tomorrow | tomorrow
Wednesday 9 December | in 2 days
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// The repeat a host picks becomes the RRULE the server takes, starts on one of its own days, and
// is said back in words.
func TestDashboardRepeatRule(t *testing.T) {
	out, _ := node(t, `
import { repeatRule, repeatPhrase, firstRepeatDay } from "./dashboard-time.mjs";
const cases = [
  ["weekly", ["TU"], 1],
  ["fortnightly", ["TH", "TU"], 1],
  ["monthly", ["FR"], -1],
  ["monthly", ["MO", "WE"], 2],
  ["weekly", [], 1],
  ["monthly", ["MO"], 5],
  ["daily", ["MO"], 1],
];
for (const [freq, days, nth] of cases) {
  const r = repeatRule(freq, days, nth);
  const first = firstRepeatDay({ year: 2026, month: 12, day: 7 }, freq, days, nth);
  console.log(r.rule || r.error, "|", repeatPhrase(freq, days, nth), "|", first ? [first.year, first.month, first.day].join("-") : "none");
}
`, "dashboard-time.js")
	want := `FREQ=WEEKLY;BYDAY=TU | Every Tuesday | 2026-12-8
FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH | Every other Tuesday and Thursday | 2026-12-8
FREQ=MONTHLY;BYDAY=-1FR | The last Friday of every month | 2026-12-25
FREQ=MONTHLY;BYDAY=2MO,2WE | The second Monday and Wednesday of every month | 2026-12-9
Please choose at least one day. |  | none
Please choose which week of the month. |  | none
Please choose how often it repeats. |  | none
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}
