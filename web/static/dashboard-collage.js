// Whether a session is a memorial (a switch its hosts turn on), and then its
// memorial collage, for its hosts: what family and friends have
// added (photos with their captions, and songs), to recaption, put in order
// and remove; the link to send for contributions; closing and reopening it;
// and finalizing it, with a progress bar while Hearth prepares the video.
//
// The collage is asked for when the session's page opens, then every 10
// seconds (contributions come in while the host looks), and every second
// while the video is being prepared. Rows are updated in place, so a caption
// the host is writing is never overwritten and a button never moves under a
// finger.

import { api } from "./dashboard-api.js";
import { setAttr, setText } from "./shared.js";
import { busy, button, confirmDialog, el, errorText, h, icon, linkBox, say } from "./dashboard-ui.js";

const enc = encodeURIComponent;
const POLL_MS = 10000;
const POLL_RENDER_MS = 1000;
const POLL_HIDDEN_MS = 30000;
const RENDER_STATES = ["none", "rendering", "ready", "failed"];

export function collagePanel() {
  let sid = "";
  let session = null;
  let collage = null; // the last answer, tidied: {items, locked, final, render}
  let viaToken = false; // the collage routes took the member token, not the sign-in (see getCollage)
  let timer = 0;
  let visit = 0;
  let working = 0; // changes on their way: polls wait for them
  let changes = 0; // changes begun, so an answer older than one is not drawn
  let linkFor = "";
  let renderSaid = ""; // the render state last told to the host
  const rows = new Map(); // item id -> row

  let shown = null; // the session last drawn, for the memorial switch
  el("memorial-switch").addEventListener("click", toggleMemorial);
  el("collage-open").addEventListener("click", toggleOpen);
  el("collage-finalize").addEventListener("click", finalize);
  document.addEventListener("visibilitychange", () => {
    if (sid && document.visibilityState === "visible") load(visit);
  });

  // show is called whenever the session view draws its session.
  function show(s) {
    if (!s) return;
    // Only a memorial has a collage: otherwise the card and its polling stay away.
    if (!s.memorial) {
      if (sid) leave();
      renderMemorial(s);
      return;
    }
    renderMemorial(s);
    if (s.id !== sid) {
      leave();
      sid = s.id;
      session = s;
      load(visit);
      return;
    }
    session = s;
    if (collage) render();
  }

  // renderMemorial draws the switch, for sessions that have not ended.
  function renderMemorial(s) {
    if (!shown || shown.id !== s.id) setText(el("memorial-error"), "");
    shown = s;
    el("memorial-card").hidden = s.state === "ended";
    setAttr(el("memorial-switch"), "aria-checked", String(Boolean(s.memorial)));
  }

  async function toggleMemorial() {
    const s = shown;
    const sw = el("memorial-switch");
    if (!s || sw.disabled) return;
    const on = !s.memorial;
    if (!on) {
      const ok = await confirmDialog({
        title: "Turn the memorial off?",
        body: "The collage and its link go away from this session’s pages. What family and friends have added is kept, and comes back if you turn the memorial on again.",
        confirm: "Turn it off",
        cancel: "Keep the memorial",
      });
      if (!ok) return;
    }
    setText(el("memorial-error"), "");
    sw.disabled = true;
    sw.setAttribute("aria-busy", "true");
    try {
      const updated = await api("PATCH", `/api/v1/sessions/${enc(s.id)}`, { memorial: on });
      if (shown !== s) return;
      show(updated);
      say(on ? "This session is a memorial now. Send the link below to family and friends." : "This session is no longer a memorial.");
    } catch (err) {
      setText(el("memorial-error"), errorText(err));
    } finally {
      sw.disabled = false;
      sw.removeAttribute("aria-busy");
    }
  }

  function leave() {
    visit++;
    clearTimeout(timer);
    timer = 0;
    sid = "";
    session = null;
    collage = null;
    viaToken = false;
    linkFor = "";
    renderSaid = "";
    rows.clear();
    for (const id of ["collage-photos", "collage-songs", "collage-link"]) el(id).replaceChildren();
    setText(el("collage-error"), "");
    // Each session starts from the recommended choice.
    el("collage-prerender").checked = true;
    el("collage-card").hidden = true;
  }

  // forget is the session view closing: the memorial switch goes with it.
  function forget() {
    leave();
    shown = null;
    el("memorial-card").hidden = true;
    setText(el("memorial-error"), "");
  }

  function schedule(mine) {
    clearTimeout(timer);
    timer = 0;
    if (mine !== visit || !sid || (session && session.state === "ended")) return;
    let ms = POLL_MS;
    if (collage && collage.render.state === "rendering") ms = POLL_RENDER_MS;
    else if (document.visibilityState === "hidden") ms = POLL_HIDDEN_MS;
    timer = setTimeout(() => load(mine), ms);
  }

  async function load(mine) {
    clearTimeout(timer);
    timer = 0;
    if (mine !== visit || !sid) return;
    if (working) {
      schedule(mine);
      return;
    }
    const seen = changes;
    try {
      const c = await getCollage();
      if (mine !== visit || working || changes !== seen) {
        schedule(mine);
        return;
      }
      collage = tidyCollage(c);
      render();
    } catch (err) {
      if (mine !== visit) return;
      // This Hearth keeps no collages: the card stays away.
      if (err.status === 404 && !collage) return;
      // Otherwise keep what is on screen and ask again.
    }
    schedule(mine);
  }

  // reload asks at once, after a change.
  function reload() {
    return load(visit);
  }

  // getCollage reads the collage. A signed-in host's browser may not be let
  // in with the sign-in cookie there (the route takes bearer tokens: the
  // session's own tokens and host API tokens); the host holds the session's
  // member link anyway, so its token is used then, and for the photos too.
  async function getCollage() {
    const path = `/api/v1/sessions/${enc(sid)}/collage`;
    if (!viaToken) {
      try {
        return await api("GET", path, undefined, { own401: true });
      } catch (err) {
        if (err.status !== 401 || !session || !session.member_token) throw err;
        viaToken = true;
      }
    }
    return api("GET", path, undefined, { headers: { Authorization: `Bearer ${session.member_token}` }, own401: true });
  }

  function photoURL(item) {
    const url = String(item.url || "");
    if (!viaToken || !url) return url;
    return `${url}${url.includes("?") ? "&" : "?"}t=${enc(session.member_token)}`;
  }

  // ---------------------------------------------------------------------------
  // Drawing

  function render() {
    const card = el("collage-card");
    // Once the session is over, so is its collage.
    card.hidden = !session || session.state === "ended";
    if (card.hidden) return;
    const photos = collage.items.filter((it) => it.kind === "photo");
    const songs = collage.items.filter((it) => it.kind !== "photo");
    renderState(photos.length, songs.length);
    renderProgress();
    renderLink();
    // The link leads nowhere useful while the collage is closed.
    el("collage-link").hidden = collage.locked;
    el("collage-empty").hidden = collage.items.length > 0;
    el("collage-final-note").hidden = !collage.final || collage.items.length === 0;
    el("collage-photos-heading").hidden = photos.length === 0;
    el("collage-songs-heading").hidden = songs.length === 0;
    renderList(el("collage-photos"), photos);
    renderList(el("collage-songs"), songs);
    el("collage-controls").hidden = collage.items.length === 0;
    setAttr(el("collage-open"), "aria-checked", String(!collage.locked));
  }

  function renderState(photos, songs) {
    const node = el("collage-state");
    const what = photos + songs > 0 ? ` · ${countPhrase(photos, songs)}` : "";
    let text = `Open for photos and songs${what}`;
    let state = "open";
    if (collage.final) {
      text = `Finalized · ${countPhrase(photos, songs)}`;
      state = "final";
    } else if (collage.locked) {
      text = `Closed to new photos and songs${what}`;
      state = "closed";
    }
    setText(node, text);
    node.dataset.state = state;
  }

  // renderProgress shows how the video is coming along, and says so to the
  // host when it is ready or has failed.
  function renderProgress() {
    const r = collage.render;
    const box = el("collage-render");
    const text = el("collage-render-text");
    const bar = el("collage-render-progress");
    let words = "";
    bar.hidden = r.state !== "rendering";
    if (r.state === "rendering") {
      const pct = Math.min(100, Math.max(0, Math.floor(r.progress * 100)));
      bar.value = pct;
      words = `Preparing the video… ${pct}%`;
    } else if (r.state === "ready") {
      words = "Video ready";
    } else if (r.state === "failed") {
      words = `The video could not be prepared ahead of time: ${r.error || "something went wrong"}. You can finalize again to try once more.`;
    } else if (collage.final) {
      words = "The video will be made as the session plays.";
    }
    box.hidden = !words;
    box.dataset.state = r.state;
    setText(text, words);
    if (renderSaid === "rendering" && r.state === "ready") say("The collage’s video is ready.");
    if (renderSaid === "rendering" && r.state === "failed") say(words, "error");
    renderSaid = r.state;
  }

  function renderLink() {
    if (linkFor === session.id) return;
    linkFor = session.id;
    const slug = session.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "session";
    el("collage-link").replaceChildren(
      linkBox({
        label: "Link for photos and songs",
        hint: "Send it to family and friends. It works while the collage is open.",
        url: contributeURL(session),
        name: `hearth-collage-${slug}`,
        testid: "collage-link",
      }),
    );
  }

  function renderList(ol, list) {
    const wanted = new Set(list.map((it) => it.id));
    for (const child of [...ol.children]) {
      if (!wanted.has(child.dataset.id)) {
        rows.delete(child.dataset.id);
        child.remove();
      }
    }
    list.forEach((it, i) => {
      let row = rows.get(it.id);
      if (!row || row.item.kind !== it.kind) {
        row = makeRow(it);
        rows.set(it.id, row);
      }
      fillRow(row, it, i, list.length);
      if (ol.children[i] !== row.node) ol.insertBefore(row.node, ol.children[i] || null);
    });
  }

  function makeRow(it) {
    const photo = it.kind === "photo";
    const fieldId = `collage-caption-${String(it.id).replace(/[^\w-]/g, "")}`;
    const thumb = photo
      ? h("img", { class: "collage-thumb", alt: "", loading: "lazy", decoding: "async", testid: "collage-thumb" })
      : h("span", { class: "collage-thumb collage-song-mark", "aria-hidden": "true" }, icon("music", 30));
    const meta = h("p", { class: "row-meta collage-meta" });
    // A caption may be long: the box grows with it (where the browser can).
    const input = h("textarea", {
      id: fieldId,
      class: "field collage-caption",
      rows: "2",
      maxlength: "300",
      autocomplete: "off",
      spellcheck: "true",
      testid: "collage-caption",
    });
    const save = button("Save", { cls: "button secondary small", testid: "collage-caption-save" });
    save.type = "submit";
    const form = h("form", { class: "inline-form collage-caption-form", novalidate: true }, input, save);
    const up = button("", { cls: "icon-button", iconName: "up", testid: "collage-up" });
    const down = button("", { cls: "icon-button", iconName: "down", testid: "collage-down" });
    const remove = button("", { cls: "icon-button", iconName: "close", testid: "collage-remove" });
    up.dataset.act = "up";
    down.dataset.act = "down";
    remove.dataset.act = "remove";
    const row = { item: it, thumb, meta, input, save, up, down, remove, saved: null, src: "" };
    row.node = h(
      "li",
      { class: "collage-item", testid: "collage-item" },
      thumb,
      meta,
      h("div", { class: "collage-item-actions" }, up, down, remove),
      h("div", { class: "collage-edit" }, h("label", { for: fieldId, class: "field-label collage-label", text: photo ? "Caption" : "Title" }), form),
    );
    row.node.dataset.id = it.id;
    row.node.dataset.kind = it.kind;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      saveCaption(row);
    });
    // One line of words: Enter saves, as in a text field.
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        if (!save.disabled) form.requestSubmit(save);
      }
    });
    input.addEventListener("input", () => {
      save.disabled = oneLine(input.value) === row.saved;
    });
    up.addEventListener("click", () => move(row, -1, "up"));
    down.addEventListener("click", () => move(row, 1, "down"));
    remove.addEventListener("click", () => removeItem(row));
    return row;
  }

  function fillRow(row, it, i, n) {
    row.item = it;
    row.index = i;
    const photo = it.kind === "photo";
    const name = `${photo ? "photo" : "song"} ${i + 1}`;
    row.name = name;
    const from = it.contributor ? ` · from ${it.contributor}` : "";
    setText(row.meta, `${photo ? "Photo" : "Song"} ${i + 1} of ${n}${from}`);
    if (photo) {
      const src = photoURL(it);
      if (row.src !== src) {
        row.src = src;
        if (it.width > 0 && it.height > 0) {
          row.thumb.width = it.width;
          row.thumb.height = it.height;
        }
        row.thumb.src = src;
      }
    }
    // What the host is writing stays as it is: only a caption they have not
    // touched follows the server.
    const caption = oneLine(it.caption || "");
    if (row.saved === null || (oneLine(row.input.value) === row.saved && document.activeElement !== row.input)) {
      row.input.value = caption;
    }
    row.saved = caption;
    row.save.disabled = oneLine(row.input.value) === caption;
    row.input.placeholder = photo ? "A few words about this photo" : "";
    setAttr(row.save, "aria-label", photo ? `Save the caption of ${name}` : `Save the title of ${name}`);
    // A final collage keeps its order and its items until it is reopened.
    const fixed = collage.final;
    row.up.disabled = fixed || i === 0;
    row.down.disabled = fixed || i === n - 1;
    row.remove.disabled = fixed;
    setAttr(row.up, "aria-label", `Move ${name} up`);
    setAttr(row.down, "aria-label", `Move ${name} down`);
    setAttr(row.remove, "aria-label", `Remove ${name} from the collage`);
  }

  // ---------------------------------------------------------------------------
  // Changes

  // change runs one change to the collage, then asks for the collage again;
  // polls wait meanwhile, so nothing half-done is drawn.
  async function change(work) {
    working++;
    changes++;
    try {
      return await work();
    } finally {
      working--;
      await reload();
    }
  }

  function itemPath(it) {
    return `/api/v1/sessions/${enc(sid)}/collage/items/${enc(it.id)}`;
  }

  async function saveCaption(row) {
    const value = oneLine(row.input.value);
    if (value === row.saved) return;
    const photo = row.item.kind === "photo";
    try {
      await change(() => busy(row.save, "Saving…", () => api("PATCH", itemPath(row.item), { caption: value })));
      row.input.value = value;
      say(photo ? (value ? `The caption of ${row.name} is saved.` : `The caption of ${row.name} is removed.`) : `The title of ${row.name} is saved.`);
    } catch (err) {
      say(errorText(err), "error");
    }
  }

  // move swaps an item with its neighbour of the same kind. The collage is
  // one ordered list of photos and songs: the two swap their places in it
  // and everything else stays where it is.
  async function move(row, by, act) {
    const it = row.item;
    const same = collage.items.filter((x) => x.kind === it.kind);
    const i = same.findIndex((x) => x.id === it.id);
    const j = i + by;
    if (i < 0 || j < 0 || j >= same.length) return;
    const other = same[j];
    const all = collage.items;
    const distinct = all.every((x, k) => k === 0 || all[k - 1].position < x.position);
    let updates;
    if (distinct) {
      updates = [
        [it, other.position],
        [other, it.position],
      ];
    } else {
      // Places shared by two items: number the whole list afresh.
      const order = all.slice();
      const a = all.indexOf(it);
      const b = all.indexOf(other);
      order[a] = other;
      order[b] = it;
      updates = order.map((x, k) => [x, k + 1]).filter(([x, p]) => x.position !== p);
    }
    const kind = it.kind === "photo" ? "photo" : "song";
    try {
      await change(async () => {
        for (const [x, position] of updates) await api("PATCH", itemPath(x), { position });
      });
      say(`Moved ${act}: it is now ${kind} ${j + 1} of ${same.length}.`);
    } catch (err) {
      say(errorText(err), "error");
    }
    // Focus stays on the moved item's button; at the end of the list, where
    // that button is off, on the other one.
    const moved = rows.get(it.id);
    if (moved) {
      let target = act === "up" ? moved.up : moved.down;
      if (target.disabled) target = act === "up" ? moved.down : moved.up;
      if (!target.disabled) target.focus();
    }
  }

  async function removeItem(row) {
    const it = row.item;
    const photo = it.kind === "photo";
    const ok = await confirmDialog({
      title: photo ? `Remove ${row.name} from the collage?` : `Remove ${row.name} from the collage?`,
      body: photo
        ? "It will not be shown in the session. The person who added it is not told. While the collage is open, they could add it again."
        : "It will not be played in the session. The person who added it is not told. While the collage is open, they could add it again.",
      confirm: "Remove it",
      cancel: "Keep it",
    });
    if (!ok) return;
    const list = row.node.parentElement;
    const index = list ? [...list.children].indexOf(row.node) : -1;
    try {
      await change(() => api("DELETE", itemPath(it)));
      say(`${photo ? "The photo" : "The song"} is removed from the collage.`);
    } catch (err) {
      // 404: it was gone already.
      if (err.status !== 404) {
        say(errorText(err), "error");
        return;
      }
    }
    // Focus moves to what is now in its place, or to the heading.
    const next = list && (list.children[index] || list.children[index - 1]);
    const nextRow = next && rows.get(next.dataset.id);
    if (nextRow) nextRow.remove.focus();
    else el("collage-heading").focus();
  }

  async function toggleOpen() {
    const b = el("collage-open");
    const open = b.getAttribute("aria-checked") !== "true";
    if (open && collage && collage.final) {
      const ok = await confirmDialog({
        title: "Reopen the collage?",
        body: "Family and friends can add photos and songs again, and you can change the order. The session does not show the collage until you finalize it again, and a video prepared ahead of time is set aside.",
        confirm: "Reopen it",
        cancel: "Keep it final",
        danger: false,
      });
      if (!ok) return;
    }
    setAttr(b, "aria-checked", String(open)); // at once; the answer confirms it
    try {
      await change(() => api("POST", `/api/v1/sessions/${enc(sid)}/collage/lock`, { locked: !open }));
      say(open ? "The collage is open: family and friends can add photos and songs." : "The collage is closed to new photos and songs.");
    } catch (err) {
      setAttr(b, "aria-checked", String(!open));
      say(errorText(err), "error");
    }
  }

  async function finalize() {
    const error = el("collage-error");
    setText(error, "");
    const prerender = el("collage-prerender").checked;
    try {
      const r = await change(() =>
        busy(el("collage-finalize"), "Finalizing…", () => api("POST", `/api/v1/sessions/${enc(sid)}/collage/finalize`, { prerender })),
      );
      const counts = r ? countPhrase(Number(r.photos) || 0, Number(r.songs) || 0) : "";
      say(`The collage is final${counts ? `: ${counts}` : ""}.${prerender ? " Hearth is preparing the video." : ""}`);
    } catch (err) {
      setText(error, errorText(err));
    }
  }

  return { show, leave: forget };
}

// tidyCollage takes the server's collage as the panel keeps it. Fields the server
// does not send (yet) read as a collage that is not final, with no video
// being prepared.
export function tidyCollage(c) {
  const items = Array.isArray(c && c.items) ? c.items.filter((it) => it && typeof it === "object" && it.id) : [];
  const r = c && c.render && typeof c.render === "object" ? c.render : {};
  const progress = Number(r.progress);
  return {
    items: items.map((it) => ({
      id: String(it.id),
      kind: it.kind === "photo" ? "photo" : "song",
      caption: typeof it.caption === "string" ? it.caption : "",
      contributor: typeof it.contributor === "string" ? it.contributor : "",
      position: Number(it.position) || 0,
      url: typeof it.url === "string" ? it.url : "",
      width: Number(it.width) || 0,
      height: Number(it.height) || 0,
    })),
    locked: Boolean(c && c.locked),
    final: Boolean(c && c.final),
    render: {
      state: RENDER_STATES.includes(r.state) ? r.state : "none",
      progress: Number.isFinite(progress) ? Math.min(1, Math.max(0, progress)) : 0,
      error: typeof r.error === "string" ? r.error.trim() : "",
    },
  };
}

// oneLine makes a caption one line of words, as it is shown under the picture.
function oneLine(text) {
  return String(text).replace(/\s+/g, " ").trim();
}

// contributeURL is the contribution page's link. The server gives it with
// the session's own contribution token, which can add photos and songs and
// nothing else; an older server's answer falls back to the member link.
export function contributeURL(session) {
  if (typeof session.contribute_url === "string" && session.contribute_url) return session.contribute_url;
  const join = String(session.join_url || "");
  const at = join.indexOf("/join/");
  if (at >= 0) return `${join.slice(0, at)}/contribute/${join.slice(at + "/join/".length)}`;
  return `${location.origin}/contribute/${enc(session.id)}#t=${enc(session.member_token || "")}`;
}

// countPhrase says what a collage holds: "3 photos and 1 song".
export function countPhrase(photos, songs) {
  const p = photos === 1 ? "1 photo" : `${photos} photos`;
  const s = songs === 1 ? "1 song" : `${songs} songs`;
  return `${p} and ${s}`;
}
