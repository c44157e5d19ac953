// A circle's repeating sessions (series) on its page: each with how it
// repeats, its next occurrences, and for each of those "Move" and "Cancel";
// and the circle's calendar feed, as a webcal:// link for calendar apps that
// subscribe and an https link for the rest, each with a copy button.

import { api } from "./dashboard-api.js";
import { setText } from "./shared.js";
import { browserZone, validZone, clockPhrase, dateValue, parseDate, parseTime, rfc3339, shortWhen, timeValue, wallAt, zoneInstant, zonePlace } from "./dashboard-time.js";
import { busy, button, clear, confirmDialog, el, errorText, h, linkBox, say } from "./dashboard-ui.js";

const enc = encodeURIComponent;
const DAY_NAMES = { MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday", SA: "Saturday", SU: "Sunday" };
const NTH = { 1: "first", 2: "second", 3: "third", 4: "fourth", "-1": "last" };

// rulePhrase reads the rules the dashboard makes back into words; a rule made
// some other way (with the API) is shown as it is.
export function rulePhrase(rule) {
  const parts = Object.fromEntries(
    String(rule || "")
      .split(";")
      .map((p) => p.split("="))
      .filter((kv) => kv.length === 2),
  );
  const days = String(parts.BYDAY || "").split(",").filter(Boolean);
  const plain = days.map((d) => d.replace(/^[-+]?\d+/, ""));
  if (!plain.every((d) => DAY_NAMES[d])) return rule;
  const names = plain.map((d) => DAY_NAMES[d]);
  const list = names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names[0] || "";
  const interval = Number(parts.INTERVAL || 1);
  if (parts.FREQ === "WEEKLY" && list && interval === 1) return `Every ${list}`;
  if (parts.FREQ === "WEEKLY" && list && interval === 2) return `Every other ${list}`;
  if (parts.FREQ === "MONTHLY" && list && interval === 1) {
    const n = days[0].match(/^[-+]?\d+/);
    if (n && NTH[String(Number(n[0]))] && days.every((d) => d.startsWith(n[0]))) return `The ${NTH[String(Number(n[0]))]} ${list} of every month`;
  }
  if (parts.FREQ === "DAILY" && interval === 1 && !parts.BYDAY) return "Every day";
  return rule;
}

export function seriesCard() {
  let gid = "";
  let list = [];
  let visit = 0;
  let changed = () => {};

  el("calendar-rotate").addEventListener("click", rotate);

  async function show(id, group, onChange) {
    const mine = ++visit;
    gid = id;
    changed = onChange || (() => {});
    renderCalendar(group);
    try {
      const res = await api("GET", `/api/v1/groups/${enc(id)}/series`);
      if (mine !== visit) return;
      list = res.series || [];
    } catch (err) {
      if (mine === visit) say(errorText(err), "error");
      return;
    }
    render();
  }

  function leave() {
    visit++;
  }

  function renderCalendar(group) {
    const box = el("calendar-links");
    clear(box);
    if (!group || !group.calendar_url) return;
    const slug = String(group.name || "circle").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "circle";
    const webcal = group.webcal_url || group.calendar_url.replace(/^https?:/, "webcal:");
    box.append(
      linkBox({
        label: "For calendar apps (subscribe)",
        hint: "Apple Calendar, Outlook and most phones open this and keep it up to date.",
        url: webcal,
        name: `hearth-calendar-${slug}`,
        testid: "calendar-webcal",
      }),
      linkBox({
        label: "Calendar address (https)",
        hint: "For Google Calendar: “Other calendars”, then “From URL”.",
        url: group.calendar_url,
        name: `hearth-calendar-${slug}`,
        testid: "calendar-https",
      }),
    );
  }

  async function rotate() {
    const ok = await confirmDialog({
      title: "Make a new calendar address?",
      body: "The old address stops working: anyone who added it will stop seeing new sessions until you send them the new one.",
      confirm: "Make a new address",
      cancel: "Keep the old one",
    });
    if (!ok) return;
    try {
      const res = await busy(el("calendar-rotate"), "Making…", () => api("POST", `/api/v1/groups/${enc(gid)}/calendar-key`));
      renderCalendar({ calendar_url: res.calendar_url, name: "circle" });
      say("The calendar has a new address. The old one no longer works.");
    } catch (err) {
      say(errorText(err), "error");
    }
  }

  function render() {
    const ul = el("series-list");
    clear(ul);
    el("series-empty").hidden = list.length > 0;
    const zone = browserZone();
    for (const x of list) {
      const next = h("ol", { class: "plain-list occurrences", testid: "series-next", "aria-label": `Next sessions of ${x.title}` });
      // Occurrences are said in the series' own zone, as its rule is.
      for (const o of x.next || []) next.append(occurrenceRow(x, o, validZone(x.zone) ? x.zone : zone));
      if (!(x.next || []).length) next.append(h("li", { class: "empty", text: "No more sessions are planned." }));
      const when = `${rulePhrase(x.rrule)} at ${clockAtStart(x)} ${zonePlace(x.zone)} time · ${x.duration_minutes} min${x.memorial ? " · Memorial" : ""}`;
      ul.append(
        h(
          "li",
          { class: "row-item series-item", testid: "series-item" },
          h(
            "div",
            { class: "row-main" },
            h("span", { class: "row-title", text: x.title }),
            h("span", { class: "row-meta", testid: "series-rule", text: when }),
            next,
          ),
          h("div", { class: "row-actions" }, button("Stop repeating", { cls: "button quiet small", label: `Stop repeating “${x.title}”`, onclick: () => remove(x) })),
        ),
      );
    }
  }

  // clockAtStart is the series' wall time ("19:00"), as its zone shows it.
  function clockAtStart(x) {
    const t = parseTime(String(x.start || "").slice(11, 16));
    const d = parseDate(String(x.start || "").slice(0, 10));
    if (!t || !d) return String(x.start || "");
    return clockPhrase(zoneInstant({ ...d, ...t }, x.zone).ms, x.zone);
  }

  function occurrenceRow(x, o, zone) {
    const at = Date.parse(o.start);
    const li = h("li", { class: "occurrence", testid: "occurrence" });
    const text = h("span", { class: "occurrence-when", text: `${shortWhen(at, zone)}${o.moved ? " (moved)" : ""}` });
    const move = button("Move", { cls: "button quiet small", label: `Move the session of ${shortWhen(at, zone)}`, testid: "occurrence-move" });
    const cancel = button("Cancel", { cls: "button quiet small", label: `Cancel the session of ${shortWhen(at, zone)}`, testid: "occurrence-cancel" });
    const actions = h("span", { class: "occurrence-actions" }, move, cancel);
    cancel.addEventListener("click", () => cancelOne(x, o, at, zone));
    move.addEventListener("click", () => {
      li.replaceChildren(moveForm(x, o, at, zone, () => li.replaceChildren(text, actions)));
      const first = li.querySelector("input");
      if (first) first.focus();
    });
    li.append(text, actions);
    return li;
  }

  // moveForm asks for the new day and time, in the series' own zone.
  function moveForm(x, o, at, zone, close) {
    const w = wallAt(at, x.zone);
    const id = `move-${Math.random().toString(36).slice(2, 8)}`;
    const date = h("input", { id: `${id}-date`, class: "field", type: "date", value: dateValue(w), testid: "move-date" });
    const time = h("input", { id: `${id}-time`, class: "field", type: "time", step: "60", value: timeValue(w), testid: "move-time" });
    const error = h("p", { class: "form-error", role: "alert", testid: "move-error" });
    const save = button("Move it", { cls: "button secondary small", testid: "move-save" });
    save.type = "submit";
    const back = button("Keep it", { cls: "button quiet small", onclick: close });
    const form = h(
      "form",
      { class: "form move-form", novalidate: true },
      h("p", { class: "row-meta", text: `Move the session of ${shortWhen(at, zone)} to another day or time (${zonePlace(x.zone)} time):` }),
      h(
        "div",
        { class: "pair" },
        h("div", {}, h("label", { for: `${id}-date`, class: "field-label", text: "Day" }), date),
        h("div", {}, h("label", { for: `${id}-time`, class: "field-label", text: "Time" }), time),
      ),
      error,
      h("div", { class: "row" }, save, back),
    );
    for (const f of [date, time]) f.addEventListener("input", () => setText(error, ""));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const d = parseDate(date.value);
      const t = parseTime(time.value);
      if (!d || !t) {
        setText(error, "Please choose a day and a time.");
        return;
      }
      const to = zoneInstant({ ...d, ...t }, x.zone);
      if (to.ms <= Date.now()) {
        setText(error, "That time has already passed. Please choose a later one.");
        return;
      }
      try {
        const updated = await busy(save, "Moving…", () =>
          api("POST", `/api/v1/groups/${enc(gid)}/series/${enc(x.id)}/move`, { original: o.original, to: rfc3339(to.ms, x.zone) }),
        );
        replace(updated);
        say(`Moved to ${shortWhen(to.ms, zone)}.`);
      } catch (err) {
        setText(error, errorText(err));
      }
    });
    return form;
  }

  async function cancelOne(x, o, at, zone) {
    const ok = await confirmDialog({
      title: `Cancel the session of ${shortWhen(at, zone)}?`,
      body: "Only this one is cancelled; the others stay. People with an invitation link will be led to the next one.",
      confirm: "Cancel this session",
      cancel: "Keep it",
    });
    if (!ok) return;
    try {
      const updated = await api("POST", `/api/v1/groups/${enc(gid)}/series/${enc(x.id)}/cancel`, { original: o.original });
      replace(updated);
      say(`The session of ${shortWhen(at, zone)} is cancelled.`);
    } catch (err) {
      say(errorText(err), "error");
    }
  }

  async function remove(x) {
    const ok = await confirmDialog({
      title: `Stop repeating “${x.title}”?`,
      body: "Its sessions that have not started are removed. A session that is happening now goes on to its end.",
      confirm: "Stop repeating",
      cancel: "Keep it",
    });
    if (!ok) return;
    try {
      await api("DELETE", `/api/v1/groups/${enc(gid)}/series/${enc(x.id)}`);
      list = list.filter((y) => y.id !== x.id);
      render();
      changed();
      say(`“${x.title}” no longer repeats.`);
    } catch (err) {
      say(errorText(err), "error");
    }
  }

  function replace(updated) {
    list = list.map((y) => (y.id === updated.id ? updated : y));
    render();
    el("series-heading").focus();
    changed();
  }

  return { show, leave };
}
