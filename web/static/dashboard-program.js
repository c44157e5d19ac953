// A session planned as a program in parts: each part (segment) has a name,
// its own music from the circle's recordings, a length in minutes or "until
// the music ends", open or muted microphones, and whether the music gets
// quieter while someone speaks. The pure pieces (the starting template and
// the checks the server also makes) need no browser; programEditor draws
// and edits the list of parts.

import { setText } from "./shared.js";
import { durationPhrase } from "./dashboard-time.js";
import { button, clear, el, h } from "./dashboard-ui.js";

export const MAX_SEGMENTS = 50;
export const MAX_MINUTES = 720; // the server's 12 hours

// supportCircleTemplate is where a host starts: a common shape for a
// support circle, to rename and shorten as they like.
export function supportCircleTemplate() {
  return [
    { name: "Arrival", minutes: "5", until: false, loop: true, mics: "open", ducking: true, items: [] },
    { name: "Guided meditation", minutes: "", until: true, loop: false, mics: "muted", ducking: true, items: [] },
    { name: "Sharing circle", minutes: "45", until: false, loop: false, mics: "open", ducking: false, items: [] },
    { name: "Closing bell", minutes: "", until: true, loop: false, mics: "muted", ducking: false, items: [] },
  ];
}

// programProblems checks the parts as the server will: each needs a name,
// and a part with no length ends when its music does, so it needs music and
// must not loop. It returns [{index, field, text}], empty when all is well.
export function programProblems(segs) {
  const out = [];
  if (segs.length === 0) out.push({ index: -1, field: "", text: "Please add at least one part." });
  if (segs.length > MAX_SEGMENTS) out.push({ index: -1, field: "", text: `A program can have at most ${MAX_SEGMENTS} parts.` });
  segs.forEach((s, i) => {
    const name = String(s.name || "").trim();
    const called = name ? `“${name}”` : `Part ${i + 1}`;
    if (!name) out.push({ index: i, field: "name", text: `Part ${i + 1} needs a name.` });
    else if (name.length > 100) out.push({ index: i, field: "name", text: `${called}: please keep the name under 100 characters.` });
    if (s.until) {
      if (s.items.length === 0) out.push({ index: i, field: "media", text: `${called} lasts until its music ends, so please add a recording to it, or give it a length in minutes.` });
      else if (s.loop) out.push({ index: i, field: "loop", text: `${called} loops its music, so it would never end: please give it a length in minutes.` });
    } else {
      const m = minutesOf(s.minutes);
      if (!(m > 0)) out.push({ index: i, field: "length", text: `${called} needs a length in minutes, or choose “Until the music ends”.` });
      else if (m > MAX_MINUTES) out.push({ index: i, field: "length", text: `${called}: a part can last at most 12 hours.` });
    }
  });
  return out;
}

// minutesOf reads "5", "0.5" or "1,5" (a decimal comma) as minutes.
export function minutesOf(text) {
  const t = String(text ?? "").trim().replace(",", ".");
  if (!/^\d*\.?\d+$|^\d+\.$/.test(t)) return NaN;
  return Number(t);
}

// programBody is the program as the server takes it.
export function programBody(segs) {
  return segs.map((s) => ({
    name: String(s.name).trim(),
    playlist: s.items.map((it) => ({ media_id: it.media.id })),
    loop: Boolean(s.loop) && !s.until && s.items.length > 0,
    length_ms: s.until ? 0 : Math.round(minutesOf(s.minutes) * 60000),
    mics: s.mics === "muted" ? "muted" : "open",
    ducking: Boolean(s.ducking),
  }));
}

// lengthPhrase says how long a part lasts, for its summary line.
export function lengthPhrase(s) {
  if (s.until) {
    const ms = s.items.reduce((t, it) => t + (Number(it.media.duration_ms) || 0), 0);
    return s.items.length ? `Until the music ends (${durationPhrase(ms)})` : "Until the music ends";
  }
  const m = minutesOf(s.minutes);
  return m > 0 ? durationPhrase(Math.round(m * 60000)) : "No length yet";
}

// programEditor draws the parts into #segment-list and keeps them in
// segments. media() gives the circle's recordings.
export function programEditor({ media }) {
  let segments = [];
  let nextKey = 1;
  const list = el("segment-list");
  const tmpl = el("segment-template-item");

  el("segment-add").addEventListener("click", () => {
    if (segments.length >= MAX_SEGMENTS) {
      announce(`A program can have at most ${MAX_SEGMENTS} parts.`);
      return;
    }
    const s = withKeys({ name: "", minutes: "10", until: false, loop: false, mics: "open", ducking: true, items: [] });
    segments.push(s);
    render();
    const input = list.querySelector(`[data-key="${s.key}"] [data-testid=segment-name]`);
    if (input) input.focus();
    announce(`Added part ${segments.length}. Give it a name.`);
  });

  function withKeys(s) {
    return { ...s, key: nextKey++, items: s.items.map((it) => ({ key: nextKey++, media: it.media })) };
  }

  function useTemplate() {
    segments = supportCircleTemplate().map(withKeys);
    render();
  }

  function announce(text) {
    setText(el("segment-live"), "");
    requestAnimationFrame(() => setText(el("segment-live"), text));
  }

  // render draws every part again; focus, if given, is {key, act} or
  // {key, item, act}, the button to put the focus back on.
  function render(focus) {
    const known = media();
    // Recordings deleted since they were added drop out.
    for (const s of segments) s.items = s.items.filter((it) => known.some((m) => m.id === it.media.id));
    clear(list);
    segments.forEach((s, i) => list.append(part(s, i, known)));
    if (focus) {
      const li = list.querySelector(`[data-key="${focus.key}"]`);
      const scope = li && focus.item ? li.querySelector(`[data-item="${focus.item}"]`) : li;
      let target = scope && scope.querySelector(`[data-act="${focus.act}"]`);
      if (target && target.disabled) target = scope.querySelector(`[data-act="${focus.act === "up" ? "down" : "up"}"]`);
      if (target) target.focus();
    }
  }

  function part(s, i, known) {
    const li = tmpl.content.firstElementChild.cloneNode(true);
    li.dataset.key = String(s.key);
    // Unique ids for this copy, and labels that follow them.
    const suffix = `-${s.key}`;
    for (const n of li.querySelectorAll("[id]")) n.id += suffix;
    for (const n of li.querySelectorAll("label[for]")) n.htmlFor += suffix;
    for (const n of li.querySelectorAll("[aria-describedby]")) n.setAttribute("aria-describedby", n.getAttribute("aria-describedby") + suffix);
    const q = (id) => li.querySelector(`[data-testid="${id}"]`);
    const called = () => (s.name.trim() ? `“${s.name.trim()}”` : `part ${i + 1}`);

    setText(li.querySelector(".segment-number"), String(i + 1));
    const name = q("segment-name");
    name.value = s.name;
    name.addEventListener("input", () => {
      s.name = name.value;
    });

    // Music
    const music = q("segment-playlist");
    setText(li.querySelector('[data-part="music-empty"]'), s.until ? "No music yet: this part needs a recording, since it lasts until its music ends." : "No music: the room is quiet, or people talk.");
    li.querySelector('[data-part="music-empty"]').hidden = s.items.length > 0;
    s.items.forEach((it, j) => {
      const title = it.media.title;
      const up = button("", { cls: "icon-button", iconName: "up", label: `Move “${title}” up in ${called()}`, disabled: j === 0 });
      const down = button("", { cls: "icon-button", iconName: "down", label: `Move “${title}” down in ${called()}`, disabled: j === s.items.length - 1 });
      const remove = button("", { cls: "icon-button", iconName: "close", label: `Remove “${title}” from ${called()}` });
      up.dataset.act = "up";
      down.dataset.act = "down";
      remove.dataset.act = "remove";
      up.addEventListener("click", () => moveItem(s, it, -1, "up"));
      down.addEventListener("click", () => moveItem(s, it, 1, "down"));
      remove.addEventListener("click", () => dropItem(s, it));
      const row = h(
        "li",
        { class: "playlist-item", testid: "segment-playlist-item" },
        h("span", { class: "playlist-number", "aria-hidden": "true", text: String(j + 1) }),
        h("div", { class: "row-main" }, h("span", { class: "row-title", text: title }), h("span", { class: "row-meta", text: durationPhrase(it.media.duration_ms) })),
        h("div", { class: "playlist-actions" }, up, down, remove),
      );
      row.dataset.item = String(it.key);
      music.append(row);
    });
    const pick = q("segment-media");
    const addBtn = q("segment-media-add");
    if (known.length === 0) {
      pick.append(h("option", { value: "", text: "This circle has no recordings yet" }));
      pick.disabled = true;
      addBtn.disabled = true;
    } else {
      for (const m of known) pick.append(h("option", { value: m.id, text: `${m.title} (${durationPhrase(m.duration_ms)})` }));
    }
    addBtn.setAttribute("aria-label", `Add the chosen recording to ${called()}`);
    addBtn.addEventListener("click", () => {
      const m = known.find((x) => x.id === pick.value);
      if (!m) return;
      s.items.push({ key: nextKey++, media: m });
      render();
      const again = list.querySelector(`[data-key="${s.key}"] [data-testid=segment-media]`);
      if (again) {
        again.value = m.id;
        again.focus();
      }
      announce(`Added “${m.title}” to ${called()}. ${lengthPhrase(s)}.`);
    });

    // Loop and length
    const loop = q("segment-loop");
    const until = q("segment-until");
    const minutes = q("segment-length");
    const lengthRow = li.querySelector(".segment-length-row");
    const sync = () => {
      loop.checked = s.loop && !s.until;
      loop.disabled = s.until;
      until.checked = s.until;
      lengthRow.hidden = s.until;
      minutes.disabled = s.until;
    };
    minutes.value = s.minutes;
    minutes.addEventListener("input", () => {
      s.minutes = minutes.value;
    });
    loop.addEventListener("change", () => {
      s.loop = loop.checked;
    });
    until.addEventListener("change", () => {
      s.until = until.checked;
      if (s.until) s.loop = false;
      sync();
      setText(li.querySelector('[data-part="music-empty"]'), s.until ? "No music yet: this part needs a recording, since it lasts until its music ends." : "No music: the room is quiet, or people talk.");
      if (!s.until) minutes.focus();
    });
    sync();

    const mics = q("segment-mics");
    mics.value = s.mics;
    mics.addEventListener("change", () => {
      s.mics = mics.value;
    });
    const duck = q("segment-ducking");
    duck.checked = s.ducking;
    duck.addEventListener("change", () => {
      s.ducking = duck.checked;
    });

    // Moving and removing the part
    const actions = li.querySelector('[data-part="actions"]');
    const up = button("Earlier", { cls: "button quiet small", iconName: "up", label: `Move ${called()} earlier`, disabled: i === 0, testid: "segment-up" });
    const down = button("Later", { cls: "button quiet small", iconName: "down", label: `Move ${called()} later`, disabled: i === segments.length - 1, testid: "segment-down" });
    const remove = button("Remove part", { cls: "button quiet small danger-text", iconName: "close", label: `Remove ${called()}`, testid: "segment-remove" });
    up.dataset.act = "up";
    down.dataset.act = "down";
    remove.dataset.act = "remove";
    up.addEventListener("click", () => movePart(s, -1, "up"));
    down.addEventListener("click", () => movePart(s, 1, "down"));
    remove.addEventListener("click", () => dropPart(s));
    actions.append(up, down, remove);
    return li;
  }

  function moveItem(s, it, by, act) {
    const i = s.items.indexOf(it);
    const j = i + by;
    if (i < 0 || j < 0 || j >= s.items.length) return;
    s.items.splice(i, 1);
    s.items.splice(j, 0, it);
    render({ key: s.key, item: it.key, act });
    announce(`“${it.media.title}” is now number ${j + 1} of ${s.items.length}.`);
  }

  function dropItem(s, it) {
    const i = s.items.indexOf(it);
    if (i < 0) return;
    s.items.splice(i, 1);
    const next = s.items[Math.min(i, s.items.length - 1)];
    render(next ? { key: s.key, item: next.key, act: "remove" } : null);
    if (!next) {
      const pick = list.querySelector(`[data-key="${s.key}"] [data-testid=segment-media]`);
      if (pick) pick.focus();
    }
    announce(`Removed “${it.media.title}”.`);
  }

  function movePart(s, by, act) {
    const i = segments.indexOf(s);
    const j = i + by;
    if (i < 0 || j < 0 || j >= segments.length) return;
    segments.splice(i, 1);
    segments.splice(j, 0, s);
    render({ key: s.key, act });
    announce(`${s.name.trim() || "The part"} is now part ${j + 1} of ${segments.length}.`);
  }

  function dropPart(s) {
    const i = segments.indexOf(s);
    if (i < 0) return;
    segments.splice(i, 1);
    const next = segments[Math.min(i, segments.length - 1)];
    render(next ? { key: next.key, act: "remove" } : null);
    if (!next) el("segment-add").focus();
    announce(`Removed ${s.name.trim() || "the part"}. ${segments.length === 1 ? "1 part" : `${segments.length} parts`} left.`);
  }

  // showProblems marks the parts the host needs to fix and focuses the first.
  function showProblems(problems) {
    for (const li of list.children) {
      const err = li.querySelector('[data-part="error"]');
      setText(err, "");
      for (const n of li.querySelectorAll("[aria-invalid]")) n.removeAttribute("aria-invalid");
    }
    let first = null;
    const field = { name: "segment-name", media: "segment-media", loop: "segment-loop", length: "segment-length" };
    for (const p of problems) {
      if (p.index < 0) continue;
      const li = list.children[p.index];
      if (!li) continue;
      const err = li.querySelector('[data-part="error"]');
      setText(err, err.textContent ? `${err.textContent} ${p.text}` : p.text);
      const target = li.querySelector(`[data-testid="${field[p.field]}"]`);
      if (target) {
        target.setAttribute("aria-invalid", "true");
        if (!first) first = target;
      }
    }
    if (first) first.focus();
  }

  return {
    get segments() {
      return segments;
    },
    empty: () => segments.length === 0,
    useTemplate,
    render,
    showProblems,
    reset() {
      segments = [];
      clear(list);
    },
  };
}
