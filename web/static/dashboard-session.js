// Planning a session: a title, a playlist chosen from the circle's
// recordings and put in order (drag by the handle with a finger or a mouse,
// or the arrow buttons with anything), and a day, time and time zone, said
// back in words before anything is saved. The same form sets up a repeating
// session (a series): every week, every other week or once a month, on the
// days chosen, each one as long as the host says.

import { api } from "./dashboard-api.js";
import { setText } from "./shared.js";
import {
  allZones,
  browserZone,
  clockPhrase,
  dateValue,
  durationPhrase,
  firstRepeatDay,
  parseDate,
  parseTime,
  repeatPhrase,
  repeatRule,
  rfc3339,
  sameClock,
  timeValue,
  untilPhrase,
  wallAt,
  weekdayOf,
  wallClock,
  whenPhrase,
  zoneInstant,
  zoneLabel,
  zonePlace,
} from "./dashboard-time.js";
import { busy, button, clear, el, errorText, h, icon, say } from "./dashboard-ui.js";
import { programBody, programEditor, programProblems } from "./dashboard-program.js";
import { clearOnInput } from "./dashboard-forms.js";

const enc = encodeURIComponent;
// A planned time this far in the past is a mistake, not "now".
const PAST_SLACK_MS = 60000;

// The circle page's "Set one up" asks for a repeating session: the next time
// the form opens, it starts with "Every week" chosen.
let wantRepeat = "";
export function preferRepeat(freq = "weekly") {
  wantRepeat = freq;
}

const lowerFirst = (t) => t.charAt(0).toLowerCase() + t.slice(1);

export function newSessionView(app) {
  let gid = "";
  let group = null;
  let media = [];
  let items = []; // [{key, media}]
  let nextKey = 1;
  let zonesFilled = false;
  let visit = 0;

  const form = el("session-form");
  form.addEventListener("submit", submit);
  for (const id of ["session-date", "session-time", "session-zone"]) {
    el(id).addEventListener("input", renderWhen);
    el(id).addEventListener("change", renderWhen);
  }
  for (const r of form.querySelectorAll("input[name=when]")) r.addEventListener("change", renderWhenMode);
  for (const id of ["session-repeat", "repeat-nth", "repeat-length"]) {
    el(id).addEventListener("input", renderRepeat);
    el(id).addEventListener("change", renderRepeat);
  }
  for (const box of form.querySelectorAll("input[name=repeat-day]")) {
    box.addEventListener("change", () => {
      el("repeat-days").dataset.touched = "true";
      renderRepeat();
    });
  }
  // A message about something the host has since changed would mislead.
  clearOnInput(form, el("session-error"));
  // A program in parts: each part has its own music, length and microphones.
  const program = programEditor({ media: () => media });
  for (const r of form.querySelectorAll("input[name=plan-mode]")) r.addEventListener("change", renderPlanMode);
  el("segment-template").addEventListener("click", () => {
    program.useTemplate();
    const first = el("segment-list").querySelector("[data-testid=segment-name]");
    if (first) first.focus();
  });

  async function enter(id) {
    const mine = ++visit;
    if (id !== gid) reset();
    gid = id;
    el("new-back").href = `#/circle/${enc(id)}`;
    el("choose-upload").href = `#/circle/${enc(id)}`;
    fillZones();
    let got;
    try {
      got = await Promise.all([api("GET", `/api/v1/groups/${enc(id)}`), api("GET", `/api/v1/groups/${enc(id)}/media`)]);
    } catch (err) {
      if (mine !== visit) return;
      if (err.status === 404) app.missing("This circle doesn’t exist any more, or you’re not one of its hosts.");
      else if (err.status !== 401) say(errorText(err), "error");
      return;
    }
    if (mine !== visit) return;
    group = got[0].group;
    media = got[1].media || [];
    // Recordings deleted since the playlist was started drop out of it.
    items = items.filter((it) => media.some((m) => m.id === it.media.id));
    setText(el("new-back"), `Back to ${group.name}`);
    app.showView("new", `Plan a session · ${group.name}`);
    renderChoices();
    renderPlaylist();
    if (wantRepeat) {
      el("when-later").checked = true;
      el("session-repeat").value = wantRepeat;
      wantRepeat = "";
    }
    renderPlanMode();
    renderWhenMode();
  }

  function programMode() {
    return el("plan-mode-program").checked;
  }

  // renderPlanMode shows the one playlist or the parts of a program. The
  // first time a host chooses a program it starts from the template.
  function renderPlanMode() {
    const parts = programMode();
    el("plan-single").hidden = parts;
    el("plan-program").hidden = !parts;
    el("single-options").hidden = parts;
    if (parts && program.empty()) program.useTemplate();
    else if (parts) program.render();
  }

  function leave() {
    visit++;
  }

  // reset empties the form and sets the time to the next full hour.
  function reset() {
    items = [];
    program.reset();
    form.reset();
    delete el("repeat-days").dataset.touched;
    el("session-error").textContent = "";
    const zone = browserZone();
    const next = Date.now() + 3600000;
    const w = wallAt(next, zone);
    el("session-date").value = dateValue(w);
    el("session-time").value = timeValue({ hour: w.hour, minute: 0 });
    if (zonesFilled) el("session-zone").value = zone;
  }

  function fillZones() {
    if (zonesFilled) return;
    const select = el("session-zone");
    const own = browserZone();
    const mine = h("optgroup", { label: "Your device’s time zone" }, h("option", { value: own, text: zoneLabel(own) }));
    const rest = h("optgroup", { label: "All time zones" });
    for (const z of allZones(own)) if (z !== own) rest.append(h("option", { value: z, text: zoneLabel(z) }));
    select.append(mine, rest);
    select.value = own;
    zonesFilled = true;
  }

  // -------------------------------------------------------------------------
  // Choosing recordings

  function renderChoices() {
    const ul = el("choose-list");
    clear(ul);
    el("choose-empty").hidden = media.length > 0;
    for (const m of media) {
      ul.append(
        h(
          "li",
          { class: "row-item", testid: "choose-item" },
          h("div", { class: "row-main" }, h("span", { class: "row-title", text: m.title }), h("span", { class: "row-meta", text: durationPhrase(m.duration_ms) })),
          button("Add", { cls: "button secondary small", iconName: "plus", label: `Add “${m.title}” to the playlist`, testid: "choose-add", onclick: () => add(m) }),
        ),
      );
    }
  }

  function add(m) {
    items.push({ key: nextKey++, media: m });
    renderPlaylist();
    announce(`Added “${m.title}”. ${totalPhrase()}`);
  }

  function totalPhrase() {
    const n = items.length;
    const ms = items.reduce((t, it) => t + (Number(it.media.duration_ms) || 0), 0);
    if (n === 0) return "The playlist is empty.";
    return `${n === 1 ? "1 recording" : `${n} recordings`}, ${durationPhrase(ms)} in all.`;
  }

  function announce(text) {
    setText(el("playlist-live"), "");
    requestAnimationFrame(() => setText(el("playlist-live"), text));
  }

  // -------------------------------------------------------------------------
  // The playlist

  function renderPlaylist(focus) {
    const ol = el("playlist");
    clear(ol);
    el("playlist-empty").hidden = items.length > 0;
    el("playlist-help").hidden = items.length < 2;
    setText(el("playlist-total"), items.length ? totalPhrase() : "");
    items.forEach((it, i) => {
      const title = it.media.title;
      const handle = h("span", { class: "handle", "aria-hidden": "true", title: "Drag to move" }, icon("grip", 22));
      const up = button("", { cls: "icon-button", iconName: "up", label: `Move “${title}” up`, disabled: i === 0 });
      const down = button("", { cls: "icon-button", iconName: "down", label: `Move “${title}” down`, disabled: i === items.length - 1 });
      const remove = button("", { cls: "icon-button", iconName: "close", label: `Remove “${title}” from the playlist` });
      up.dataset.act = "up";
      down.dataset.act = "down";
      remove.dataset.act = "remove";
      up.addEventListener("click", () => move(it.key, -1, "up"));
      down.addEventListener("click", () => move(it.key, 1, "down"));
      remove.addEventListener("click", () => drop(it.key));
      const li = h(
        "li",
        { class: "playlist-item", testid: "playlist-item" },
        handle,
        h("span", { class: "playlist-number", "aria-hidden": "true", text: String(i + 1) }),
        h("div", { class: "row-main" }, h("span", { class: "row-title", text: title }), h("span", { class: "row-meta", text: durationPhrase(it.media.duration_ms) })),
        h("div", { class: "playlist-actions" }, up, down, remove),
      );
      li.dataset.key = String(it.key);
      handle.addEventListener("pointerdown", (e) => startDrag(e, li, handle));
      ol.append(li);
    });
    if (focus) {
      const li = ol.querySelector(`[data-key="${focus.key}"]`);
      let target = li && li.querySelector(`[data-act="${focus.act}"]`);
      // A disabled button cannot hold focus: its neighbour takes it.
      if (target && target.disabled) target = li.querySelector(`[data-act="${focus.act === "up" ? "down" : "up"}"]`);
      if (target) target.focus();
    }
  }

  function move(key, by, act) {
    const i = items.findIndex((it) => it.key === key);
    const j = i + by;
    if (i < 0 || j < 0 || j >= items.length) return;
    const [it] = items.splice(i, 1);
    items.splice(j, 0, it);
    renderPlaylist({ key, act });
    announce(`“${it.media.title}” is now number ${j + 1} of ${items.length}.`);
  }

  function drop(key) {
    const i = items.findIndex((it) => it.key === key);
    if (i < 0) return;
    const [it] = items.splice(i, 1);
    const next = items[Math.min(i, items.length - 1)];
    renderPlaylist(next ? { key: next.key, act: "remove" } : null);
    if (!next) el("plays-heading").focus();
    announce(`Removed “${it.media.title}”. ${totalPhrase()}`);
  }

  // startDrag follows one pointer (finger, pen or mouse) from the handle.
  // The dragged item stays in the document the whole time (its neighbours
  // move around it), so the pointer capture is never lost.
  function startDrag(e, li, handle) {
    if (e.button !== 0 && e.pointerType === "mouse") return;
    e.preventDefault();
    const ol = el("playlist");
    handle.setPointerCapture(e.pointerId);
    li.classList.add("dragging");
    const startIndex = [...ol.children].indexOf(li);
    let lastY = e.clientY;
    const onMove = (ev) => {
      lastY = ev.clientY;
      const prev = li.previousElementSibling;
      const next = li.nextElementSibling;
      if (prev && lastY < mid(prev)) ol.insertBefore(prev, li.nextSibling);
      else if (next && lastY > mid(next)) ol.insertBefore(next, li);
    };
    const onEnd = () => {
      handle.removeEventListener("pointermove", onMove);
      handle.removeEventListener("pointerup", onEnd);
      handle.removeEventListener("pointercancel", onEnd);
      li.classList.remove("dragging");
      const order = [...ol.children].map((n) => Number(n.dataset.key));
      const endIndex = order.indexOf(Number(li.dataset.key));
      items = order.map((k) => items.find((it) => it.key === k)).filter(Boolean);
      renderPlaylist();
      if (endIndex !== startIndex) {
        const it = items[endIndex];
        announce(`“${it.media.title}” is now number ${endIndex + 1} of ${items.length}.`);
      }
    };
    handle.addEventListener("pointermove", onMove);
    handle.addEventListener("pointerup", onEnd);
    handle.addEventListener("pointercancel", onEnd);
  }

  function mid(node) {
    const r = node.getBoundingClientRect();
    return r.top + r.height / 2;
  }

  // -------------------------------------------------------------------------
  // When

  function renderWhenMode() {
    const now = el("when-now").checked;
    el("when-fields").hidden = now;
    // Only a session at a set time can repeat.
    el("repeat-slot").hidden = now;
    renderRepeat();
    renderWhen();
  }

  function repeatFreq() {
    return el("when-now").checked ? "" : el("session-repeat").value;
  }

  function repeatDays() {
    return [...form.querySelectorAll("input[name=repeat-day]:checked")].map((b) => b.value);
  }

  // renderRepeat shows the repeat's fields and says it back: "Every other
  // Tuesday and Thursday at 19:00 Berlin time, from Tuesday 8 December".
  function renderRepeat() {
    const freq = repeatFreq();
    el("repeat-fields").hidden = !freq;
    el("repeat-nth-box").hidden = freq !== "monthly";
    setText(el("session-create-label"), el("when-now").checked ? "Start now" : freq ? "Set up repeating session" : "Schedule session");
    const phrase = el("repeat-phrase");
    if (!freq) {
      setText(phrase, "");
      return;
    }
    // The weekday of the chosen day is ticked for a start, until the host
    // ticks days themselves.
    const box = el("repeat-days");
    if (!box.dataset.touched && repeatDays().length === 0) {
      const d = parseDate(el("session-date").value);
      const tick = d && form.querySelector(`input[name=repeat-day][value=${weekdayOf(d)}]`);
      if (tick) tick.checked = true;
    }
    const days = repeatDays();
    if (days.length === 0) {
      setText(phrase, "Choose the days it meets on.");
      return;
    }
    const c = chosenTime();
    const words = repeatPhrase(freq, days, el("repeat-nth").value);
    if (c.error) {
      setText(phrase, words);
      return;
    }
    const first = firstRepeatDay(parseDate(el("session-date").value), freq, days, el("repeat-nth").value);
    const start = first && zoneInstant({ ...first, ...c.typed }, c.zone);
    setText(phrase, start ? `${words} at ${clockPhrase(start.ms, c.zone)} ${zonePlace(c.zone)} time, from ${whenPhrase(start.ms, c.zone).split(",")[0]}.` : words);
  }

  // chosenTime reads the day, time and zone: {ms, zone, result} or {error}.
  function chosenTime() {
    const zone = el("session-zone").value || browserZone();
    const d = parseDate(el("session-date").value);
    const t = parseTime(el("session-time").value);
    if (!d) return { error: "Please choose the day." };
    if (!t) return { error: "Please choose the time." };
    const result = zoneInstant({ ...d, ...t }, zone);
    return { ms: result.ms, zone, result, typed: t };
  }

  function renderWhen() {
    const phrase = el("when-phrase");
    const note = el("when-note");
    if (el("when-now").checked) {
      setText(phrase, "");
      setText(note, "");
      return;
    }
    const c = chosenTime();
    if (c.error) {
      setText(phrase, "");
      setText(note, c.error);
      return;
    }
    setText(phrase, whenPhrase(c.ms, c.zone));
    const notes = [];
    const own = browserZone();
    if (!sameClock(c.ms, c.zone, own)) notes.push(`That is ${clockPhrase(c.ms, own)} ${zonePlace(own)} time, on this device’s clock.`);
    if (c.result.kind === "gap") {
      notes.push(
        `The clocks in ${zonePlace(c.zone)} jump forward that night, so ${wallClock(c.typed)} doesn’t happen; the session will start at ${wallClock(c.result.wall)}.`,
      );
    } else if (c.result.kind === "overlap") {
      notes.push(`The clocks in ${zonePlace(c.zone)} go back that night, so ${wallClock(c.typed)} happens twice; the session starts at the first one.`);
    }
    if (repeatFreq()) {
      // The repeat's own line says when it starts.
    } else if (c.ms < Date.now() - PAST_SLACK_MS) notes.push("That time has already passed. Choose a later time, or choose Start now.");
    else notes.push(`It starts ${untilPhrase(c.ms, Date.now(), c.zone)}.`);
    setText(note, notes.join(" "));
  }

  // -------------------------------------------------------------------------
  // Saving

  async function submit(e) {
    e.preventDefault();
    const error = el("session-error");
    error.textContent = "";
    const title = el("session-title");
    title.removeAttribute("aria-invalid");
    if (!title.value.trim()) {
      error.textContent = "Please give the session a title.";
      title.setAttribute("aria-invalid", "true");
      title.focus();
      return;
    }
    const parts = programMode();
    if (parts) {
      const problems = programProblems(program.segments);
      program.showProblems(problems);
      if (problems.length) {
        error.textContent = problems.length === 1 ? problems[0].text : `${problems[0].text} (and ${problems.length - 1} more to look at above)`;
        return;
      }
    } else if (items.length === 0) {
      error.textContent = media.length ? "Please add at least one recording to play." : "This circle has no recordings yet. Add one on the circle’s page first.";
      el("plays-heading").scrollIntoView({ block: "start" });
      return;
    }
    if (repeatFreq()) {
      await submitSeries(title.value.trim(), parts);
      return;
    }
    let startsAt;
    if (el("when-now").checked) {
      startsAt = rfc3339(Date.now(), browserZone());
    } else {
      const c = chosenTime();
      if (c.error) {
        error.textContent = c.error;
        return;
      }
      if (c.ms < Date.now() - PAST_SLACK_MS) {
        error.textContent = "That time has already passed. Choose a later time, or choose Start now.";
        el("session-time").focus();
        return;
      }
      startsAt = rfc3339(c.ms, c.zone);
    }
    const body = parts
      ? {
          title: title.value.trim(),
          starts_at: startsAt,
          program: programBody(program.segments),
          crossfade_ms: Number(el("session-crossfade").value) || 0,
          memorial: el("session-memorial").checked,
        }
      : {
          title: title.value.trim(),
          starts_at: startsAt,
          playlist: items.map((it) => ({ media_id: it.media.id })),
          loop: el("session-loop").checked,
          crossfade_ms: Number(el("session-crossfade").value) || 0,
          ducking: el("session-ducking").checked,
          memorial: el("session-memorial").checked,
        };
    let sess;
    try {
      sess = await busy(el("session-create"), el("when-now").checked ? "Starting…" : "Saving…", () =>
        api("POST", `/api/v1/groups/${enc(gid)}/sessions`, body),
      );
    } catch (err) {
      error.textContent = errorText(err);
      return;
    }
    reset();
    say(sess.state === "live" ? `“${sess.title}” has started.` : `“${sess.title}” is planned. Share its link when you’re ready.`);
    app.go(`#/session/${enc(sess.id)}`);
  }

  // submitSeries sets up a repeating session from the form: the same title,
  // what plays and options, repeating as chosen from the first matching day.
  async function submitSeries(title, parts) {
    const error = el("session-error");
    const freq = repeatFreq();
    const nth = el("repeat-nth").value;
    const days = repeatDays();
    const r = repeatRule(freq, days, nth);
    if (r.error) {
      error.textContent = r.error;
      const first = form.querySelector("input[name=repeat-day]");
      if (first) first.focus();
      return;
    }
    const c = chosenTime();
    if (c.error) {
      error.textContent = c.error;
      return;
    }
    const minutes = Number(el("repeat-length").value);
    if (!Number.isInteger(minutes) || minutes < 5 || minutes > 720) {
      error.textContent = "Each session needs a length from 5 to 720 minutes (12 hours).";
      el("repeat-length").setAttribute("aria-invalid", "true");
      el("repeat-length").focus();
      return;
    }
    const first = firstRepeatDay(parseDate(el("session-date").value), freq, days, nth);
    if (!first) {
      error.textContent = "Please choose a starting day.";
      return;
    }
    const body = {
      title,
      start: `${dateValue(first)}T${timeValue(c.typed)}`,
      zone: c.zone,
      duration_minutes: minutes,
      rrule: r.rule,
      memorial: el("session-memorial").checked,
    };
    if (parts) body.program = programBody(program.segments);
    else {
      body.playlist = items.map((it) => ({ media_id: it.media.id }));
      body.loop = el("session-loop").checked;
      body.ducking = el("session-ducking").checked;
    }
    let series;
    try {
      series = await busy(el("session-create"), "Saving…", () => api("POST", `/api/v1/groups/${enc(gid)}/series`, body));
    } catch (err) {
      error.textContent = errorText(err);
      return;
    }
    reset();
    say(`“${series.title}” is set up: ${lowerFirst(repeatPhrase(freq, days, nth))}. Its next sessions are listed on the circle’s page.`);
    app.go(`#/circle/${enc(gid)}`);
  }

  return { enter, leave };
}
