// Hearth contribute page.
//
// Before a memorial session, a family member opens /contribute/{id}#t={token}
// on a phone and adds photos (each with a few words) and a favourite song to
// the session's collage. Picked files wait in a list with a caption box and an
// Add button; added files go up one at a time, each with its own progress bar.
// What goes wrong is said in kind, plain sentences chosen here by what
// happened (the server's own words are for hosts and logs).
//
// Nothing here talks to anything but this server. Nothing is stored, except
// the person's name when they tick "Remember my name on this device".

import { setAttr, setText } from "./shared.js";
import { readSessionId, readToken } from "./text.js";

const NAME_KEY = "hearth.contribute.name";
const PHOTO_MAX = 25 * 1024 * 1024;
const SONG_MAX = 200 * 1024 * 1024;
const PREVIEW_MAX = 8 * 1024 * 1024; // larger pictures are not previewed, to spare the phone
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
const THUMB_PX = 480;

const LINK_INCOMPLETE = "This link looks incomplete. Ask the family for the link again.";
const CLOSED = "The family has finished gathering photos. Thank you.";
const OFFLINE = "We couldn’t reach Hearth. Check your connection and try again.";

const el = (id) => document.getElementById(id);
const ui = {
  title: el("title"),
  intro: el("intro"),
  status: el("status"),
  closed: el("closed"),
  add: el("add"),
  name: el("name"),
  remember: el("remember"),
  pickPhotos: el("pick-photos"),
  file: el("file"),
  pickSong: el("pick-song"),
  songFile: el("song-file"),
  queue: el("queue"),
  empty: el("collage-empty"),
  collage: el("collage"),
  photos: el("photos"),
  songsHeading: el("songs-heading"),
  songs: el("songs"),
  template: el("item-template"),
};

const sessionId = readSessionId(location.pathname, "contribute");
const token = readToken(location.hash);
const base = `/api/v1/sessions/${encodeURIComponent(sessionId)}/collage`;

let locked = false;
let opened = false; // the collage has been read once
let uploading = false;
const waiting = []; // items whose Add was pressed, in order

// ---------------------------------------------------------------------------
// Talking to the server.

async function errorText(res, fallback) {
  try {
    const body = await res.json();
    if (body && typeof body.error === "string" && body.error.trim()) return body.error.trim();
  } catch {
    // not JSON
  }
  return fallback;
}

async function getJSON(url, withBearer) {
  const res = await fetch(url, {
    headers: withBearer ? { Authorization: `Bearer ${token}` } : {},
    cache: "no-store",
    credentials: "omit",
  });
  if (!res.ok) {
    const err = new Error(await errorText(res, "Something went wrong. Please try again in a moment."));
    err.status = res.status;
    throw err;
  }
  return res.json();
}

// showTitle greets people with the session's name, which the collage's own
// answer carries (the contribution link may read nothing else).
function showTitle(data) {
  const t = data && typeof data.title === "string" ? data.title.trim() : "";
  if (t) {
    setText(ui.title, `Photos and songs for ${t}`);
    document.title = `Photos and songs for ${t} · Hearth`;
  }
}

// openingError says why the collage could not be opened.
function openingError(status) {
  if (status === 401 || status === 403 || status === 404) return "This link doesn’t open a collage. Please ask the family to send it again.";
  if (status === 409) return "This gathering isn’t collecting photos and songs. If you think it should be, please let the family know.";
  if (status === 410) return "This gathering has ended, so the collage is closed. Thank you for thinking of them.";
  return "Something went wrong on our side. Please try again in a moment.";
}

// kindError puts a refused upload into words for the person who sent it.
export function kindError(status, serverText, kind) {
  const said = String(serverText || "").toLowerCase();
  const what = kind === "song" ? "song" : "photo";
  switch (status) {
    case 400:
      if (said.includes("caption")) return "That caption is a little long. Please keep it under 300 characters.";
      if (said.includes("name")) return "That name is a little long. Please keep it under 40 characters.";
      return `This ${what} couldn’t be sent as it was. Please try again.`;
    case 401:
    case 403:
      return "This link doesn’t let you add photos or songs. Please ask the family to send it again.";
    case 409:
      if (said.includes("full") || said.includes("most")) return `The collage already holds as many ${what}s as it can. Thank you for thinking of them.`;
      if (said.includes("memorial")) return "This gathering isn’t collecting photos and songs any more.";
      return CLOSED;
    case 410:
      return "This gathering has ended, so the collage is closed. Thank you for thinking of them.";
    case 413:
      return kind === "song"
        ? "This song is too large or too long to add. Please choose a shorter one."
        : "This photo is too large to add. Please choose a smaller one, or send a copy from your phone’s share menu.";
    case 415:
      if (kind === "song") return "This file isn’t a song Hearth can play. Please choose an MP3 or WAV file.";
      if (said.includes("heic")) return "This photo is in the iPhone’s HEIC format. Please choose “Most Compatible” in the camera settings, or share it as a JPEG.";
      return "This file isn’t a photo Hearth can show. Please choose a JPEG, PNG or WebP picture.";
    case 422:
      return kind === "song"
        ? "This song couldn’t be played. The file may be damaged; please try another copy."
        : "This photo couldn’t be opened. The file may be damaged; please try another copy.";
    case 429:
    case 503:
      return "Hearth is busy just now. Please try again in a moment.";
    default:
      return `This ${what} couldn’t be added. Please try again in a moment.`;
  }
}

async function loadCollage() {
  let data;
  try {
    data = await getJSON(`${base}?t=${encodeURIComponent(token)}`, false);
  } catch (err) {
    say(err.status ? openingError(err.status) : OFFLINE);
    if (!opened && err.status) {
      // Nothing here can be used: only the sentence above stays.
      ui.intro.hidden = true;
      ui.collage.hidden = true;
    }
    return false;
  }
  opened = true;
  ui.collage.hidden = false;
  showTitle(data);
  renderCollage(Array.isArray(data.items) ? data.items : []);
  setLocked(Boolean(data.locked));
  return true;
}

// ---------------------------------------------------------------------------
// The collage so far.

function renderCollage(items) {
  const sorted = items.slice().sort((a, b) => (Number(a.position) || 0) - (Number(b.position) || 0));
  ui.photos.replaceChildren();
  ui.songs.replaceChildren();
  for (const item of sorted) {
    if (item.kind === "photo") ui.photos.append(photoTile(item));
    else if (item.kind === "song") ui.songs.append(songRow(item));
  }
  ui.songsHeading.hidden = ui.songs.children.length === 0;
  ui.empty.hidden = sorted.length > 0;
}

function byline(item) {
  const who = typeof item.contributor === "string" ? item.contributor.trim() : "";
  return who ? `Added by ${who}` : "";
}

function photoTile(item) {
  const li = document.createElement("li");
  li.className = "now";
  const fig = document.createElement("figure");
  fig.style.margin = "0";
  const img = document.createElement("img");
  const caption = typeof item.caption === "string" ? item.caption.trim() : "";
  img.alt = caption || "A photo from the family";
  img.loading = "lazy";
  img.decoding = "async";
  const w = Number(item.width) || 0;
  const h = Number(item.height) || 0;
  if (w > 0 && h > 0) {
    // Keeps the space while the picture loads, so the page does not jump.
    img.width = THUMB_PX;
    img.height = Math.round((THUMB_PX * h) / w);
  }
  styleImage(img);
  if (typeof item.url === "string" && item.url.startsWith("/")) {
    img.src = `${item.url}${item.url.includes("?") ? "&" : "?"}t=${encodeURIComponent(token)}`;
  }
  fig.append(img);
  const cap = document.createElement("figcaption");
  cap.className = "note";
  const words = document.createElement("span");
  words.className = "member-name";
  words.textContent = caption;
  cap.append(words);
  const by = byline(item);
  if (by) {
    if (caption) cap.append(document.createElement("br"));
    cap.append(by);
  }
  if (caption || by) fig.append(cap);
  li.append(fig);
  return li;
}

function songRow(item) {
  const li = document.createElement("li");
  li.className = "member";
  const who = document.createElement("p");
  const title = document.createElement("span");
  title.className = "member-name";
  title.textContent = (typeof item.caption === "string" && item.caption.trim()) || "A song";
  who.append(title);
  const by = byline(item);
  if (by) {
    const small = document.createElement("span");
    small.className = "note";
    small.textContent = ` · ${by}`;
    who.append(small);
  }
  li.append(who);
  return li;
}

// Pictures fill the column and keep their shape. The CSP allows no inline
// style attributes, but a script may set style properties.
function styleImage(img) {
  img.style.display = "block";
  img.style.width = "100%";
  img.style.height = "auto";
  img.style.maxHeight = "70vh";
  img.style.objectFit = "contain";
  img.style.borderRadius = "0.75rem";
  img.style.background = "var(--track)";
}

function setLocked(value) {
  locked = value;
  ui.closed.hidden = !locked;
  ui.add.hidden = locked;
  ui.intro.hidden = locked;
  if (locked) {
    for (const item of ui.queue.querySelectorAll("li")) {
      if (!item.dataset.done) item.remove();
    }
    waiting.length = 0;
    say("");
  }
}

// ---------------------------------------------------------------------------
// Picking and adding files.

function say(text) {
  setText(ui.status, text);
}

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function looksLikePhoto(file) {
  return PHOTO_TYPES.includes(file.type) || /\.(jpe?g|png|webp)$/i.test(file.name);
}

function queueFile(file, kind) {
  const li = ui.template.content.firstElementChild.cloneNode(true);
  const n = ui.queue.children.length + Date.now();
  const item = {
    file,
    kind,
    li,
    name: li.querySelector(".contribute-file-name"),
    preview: li.querySelector(".contribute-preview"),
    label: li.querySelector(".contribute-caption-label"),
    caption: li.querySelector(".contribute-caption"),
    bar: li.querySelector(".contribute-progress"),
    fill: li.querySelector(".progress-fill"),
    message: li.querySelector(".contribute-message"),
    addBtn: li.querySelector(".contribute-add"),
    removeBtn: li.querySelector(".contribute-remove"),
  };
  const captionId = `caption-${n}`;
  const messageId = `message-${n}`;
  item.caption.id = captionId;
  item.label.htmlFor = captionId;
  item.message.id = messageId;
  item.caption.setAttribute("aria-describedby", messageId);
  item.name.textContent = `${file.name} (${sizeText(file.size)})`;
  item.bar.setAttribute("aria-label", `Sending ${file.name}`);
  item.addBtn.setAttribute("aria-label", `Add ${file.name}`);
  item.removeBtn.setAttribute("aria-label", `Don’t add ${file.name}`);
  if (kind === "song") {
    item.label.textContent = "Song title (optional)";
    item.caption.placeholder = "Moon River";
  }

  const max = kind === "song" ? SONG_MAX : PHOTO_MAX;
  if (file.size > max) {
    item.message.textContent =
      kind === "song" ? "This song is larger than 200 MB, so it can’t be added." : "This photo is larger than 25 MB, so it can’t be added.";
    item.addBtn.disabled = true;
  } else if (kind === "photo" && looksLikePhoto(file) && file.size <= PREVIEW_MAX) {
    showPreview(item);
  }

  item.addBtn.addEventListener("click", () => enqueue(item));
  item.caption.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      enqueue(item);
    }
  });
  item.removeBtn.addEventListener("click", () => {
    const next = li.nextElementSibling || li.previousElementSibling;
    const idx = waiting.indexOf(item);
    if (idx >= 0) waiting.splice(idx, 1);
    li.remove();
    const focusable = next && next.querySelector("input:not([disabled]), button:not([disabled])");
    (focusable || ui.pickPhotos).focus();
  });
  ui.queue.append(li);
  return item;
}

// The CSP allows data: pictures but not blob: ones, so the preview is read
// into a data URL, and only for files of a sensible size.
function showPreview(item) {
  const reader = new FileReader();
  reader.addEventListener("load", () => {
    if (typeof reader.result !== "string") return;
    item.preview.src = reader.result;
    styleImage(item.preview);
    item.preview.style.maxHeight = "40vh";
    item.preview.hidden = false;
  });
  reader.readAsDataURL(item.file);
}

function pick(input, kind) {
  const files = Array.from(input.files || []);
  input.value = "";
  if (!files.length || locked) return;
  let first = null;
  for (const f of files) {
    const item = queueFile(f, kind);
    if (!first) first = item;
  }
  say(
    files.length === 1
      ? "Write a caption if you like, then press Add."
      : `${files.length} files are ready. Write a caption for each if you like, then press Add.`,
  );
  if (first && !first.addBtn.disabled) first.caption.focus();
}

function enqueue(item) {
  if (locked || item.addBtn.disabled || waiting.includes(item)) return;
  item.addBtn.disabled = true;
  item.removeBtn.hidden = true;
  item.caption.readOnly = true;
  setProgress(item, 0);
  item.bar.hidden = false;
  item.message.textContent = uploading || waiting.length ? "Waiting for the one before…" : "Sending…";
  waiting.push(item);
  pump();
}

function setProgress(item, fraction) {
  const pct = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  setAttr(item.bar, "aria-valuenow", String(pct));
  setAttr(item.bar, "aria-valuetext", `${pct}%`);
  item.fill.style.transform = `scaleX(${(pct / 100).toFixed(3)})`;
}

async function pump() {
  if (uploading) return;
  const item = waiting.shift();
  if (!item) return;
  uploading = true;
  try {
    await send(item);
  } finally {
    uploading = false;
  }
  pump();
}

function send(item) {
  return new Promise((resolve) => {
    const form = new FormData();
    // The server reads the fields in this order: caption, name, then file.
    form.append("caption", item.caption.value.trim().slice(0, 300));
    form.append("name", ui.name.value.trim().slice(0, 40));
    form.append("file", item.file, item.file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${base}/${item.kind === "song" ? "songs" : "photos"}`);
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.responseType = "text";
    item.message.textContent = "Sending…";
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && e.total > 0) setProgress(item, e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201 || xhr.status === 200) {
        done(item);
      } else {
        let text = "";
        try {
          const body = JSON.parse(xhr.responseText);
          if (body && typeof body.error === "string") text = body.error.trim();
        } catch {
          // not JSON
        }
        failed(item, kindError(xhr.status, text, item.kind), xhr.status);
      }
      resolve();
    });
    for (const type of ["error", "abort", "timeout"]) {
      xhr.addEventListener(type, () => {
        failed(item, OFFLINE, 0);
        resolve();
      });
    }
    xhr.send(form);
  });
}

function done(item) {
  rememberName();
  setProgress(item, 1);
  item.li.dataset.done = "true";
  const what = item.kind === "song" ? "Your song" : "Your photo";
  say(`${what} was added. Thank you.`);
  // The new item shows up in the collage below; the queue entry goes away.
  const next = item.li.nextElementSibling;
  item.li.remove();
  if (document.activeElement === document.body && next) {
    const input = next.querySelector(".contribute-caption:not([readonly])");
    if (input) input.focus();
  }
  loadCollage();
}

function failed(item, text, status) {
  item.message.textContent = text;
  item.bar.hidden = true;
  say(text);
  if (status === 409) {
    // The collage closed meanwhile.
    loadCollage();
    return;
  }
  // Wrong kind, too large or damaged will not get better by trying again;
  // anything else (the network, a busy server) might.
  const final = status === 413 || status === 415 || status === 422 || status === 403;
  item.removeBtn.hidden = false;
  item.caption.readOnly = false;
  item.addBtn.disabled = final;
  if (!final) item.addBtn.querySelector("span").textContent = "Try again";
}

// ---------------------------------------------------------------------------
// The name, kept only when asked.

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // blocked (private browsing, strict settings)
  }
}

function rememberName() {
  const s = storage();
  if (!s) return;
  try {
    const name = ui.name.value.trim();
    if (ui.remember.checked && name) s.setItem(NAME_KEY, name);
    else s.removeItem(NAME_KEY);
  } catch {
    // Full or blocked: nothing is kept, which is fine.
  }
}

function recallName() {
  const s = storage();
  if (!s) return;
  try {
    const name = s.getItem(NAME_KEY);
    if (name) {
      ui.name.value = name.slice(0, 40);
      ui.remember.checked = true;
    }
  } catch {
    // nothing kept
  }
}

// ---------------------------------------------------------------------------

function start() {
  ui.pickPhotos.addEventListener("click", () => ui.file.click());
  ui.pickSong.addEventListener("click", () => ui.songFile.click());
  ui.file.addEventListener("change", () => pick(ui.file, "photo"));
  ui.songFile.addEventListener("change", () => pick(ui.songFile, "song"));
  ui.remember.addEventListener("change", rememberName);
  ui.name.addEventListener("change", () => {
    if (ui.remember.checked) rememberName();
  });

  if (!sessionId || !token) {
    say(LINK_INCOMPLETE);
    ui.empty.hidden = true;
    return;
  }
  recallName();
  say("Opening the collage…");
  loadCollage().then((ok) => {
    if (ok) {
      if (!locked) ui.add.hidden = false;
      if (ui.status.textContent === "Opening the collage…") say("");
    }
  });
}

start();
