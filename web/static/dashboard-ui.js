// Small DOM pieces the dashboard's views share: an element builder (no HTML
// strings, so nothing a host or member typed can ever become markup), icons,
// the polite status line, a kind confirmation dialog, copying a link, and a
// link box with its QR code.

// Text and icon helpers are the pages' shared ones (shared.js).
import { setText, svgIcon } from "./shared.js";
import { drawQR } from "./dashboard-qr.js";

export const el = (id) => document.getElementById(id);

// h builds an element. attrs: class, text, testid, and any attribute; on*
// keys become listeners (never attributes). Children may be strings, nodes,
// or null/false to skip.
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "testid") node.dataset.testid = value;
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "hidden" || key === "disabled" || key === "checked" || key === "value") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// ICONS are 24-unit outline paths, drawn with svgIcon.
export const ICONS = {
  back: "M15 5l-7 7 7 7",
  up: "M6 15l6-6 6 6",
  down: "M6 9l6 6 6-6",
  grip: "M9 6h.01M15 6h.01M9 12h.01M15 12h.01M9 18h.01M15 18h.01",
  close: "M6 6l12 12M18 6L6 18",
  copy: "M9 9h10v11H9zM5 15V4h10",
  qr: "M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4zM14 14h2v2h-2zM18 18h2v2h-2zM14 18h2M18 14h2",
  plus: "M12 5v14M5 12h14",
  pause: "M9 5v14M15 5v14",
  play: "M8 5.5v13l10-6.5z",
  next: "M6 5.5v13l9-6.5zM18 5v14",
  stop: "M6.5 6.5h11v11h-11z",
  mic: "M12 2.5a3 3 0 0 1 3 3v5.5a3 3 0 0 1-6 0V5.5a3 3 0 0 1 3-3zM5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21",
  micOff: "M12 2.5a3 3 0 0 1 3 3v5.5a3 3 0 0 1-6 0V5.5a3 3 0 0 1 3-3zM5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21M4 3.5l16 17",
  hand: "M8.5 12.5V5.2a1.4 1.4 0 0 1 2.8 0v5.6M11.3 10.3V3.9a1.4 1.4 0 0 1 2.8 0v6.4M14.1 10.6V5.2a1.4 1.4 0 0 1 2.8 0v6.6M16.9 11.3V8.4a1.4 1.4 0 0 1 2.8 0v6.1c0 4-3 6.9-6.8 6.9h-.7c-2 0-3.6-.9-4.8-2.5l-3.1-4.2a1.4 1.4 0 0 1 2.2-1.8l2 2.3",
  lock: "M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3",
  check: "M5 12.5l4.5 4.5L19 7.5",
  music: "M9 18V6l10-2v12M9 18a2.5 2.5 0 1 1-5 0 2.5 2.5 0 0 1 5 0zM19 16a2.5 2.5 0 1 1-5 0 2.5 2.5 0 0 1 5 0z",
  upload: "M12 16V4M7 9l5-5 5 5M5 20h14",
  repeat: "M17 2l3 3-3 3M4 11V9a4 4 0 0 1 4-4h12M7 22l-3-3 3-3M20 13v2a4 4 0 0 1-4 4H4",
};

export function icon(name, size = 22) {
  const svg = svgIcon(ICONS[name] || "", size, true);
  svg.classList.add("icon");
  return svg;
}

// button builds a <button type=button> with an optional icon before its words.
export function button(text, { cls = "button", iconName, testid, onclick, label, disabled } = {}) {
  return h(
    "button",
    { type: "button", class: cls, testid, onclick, "aria-label": label, disabled },
    iconName ? icon(iconName) : null,
    h("span", { text }),
  );
}

// ---------------------------------------------------------------------------
// The status line: one polite sentence at a time, for what just happened.

let statusTimer = 0;

export function say(text, kind = "ok") {
  const node = el("status");
  clearTimeout(statusTimer);
  node.dataset.kind = kind;
  // Emptied first so that the same sentence twice is read twice.
  setText(node, "");
  requestAnimationFrame(() => setText(node, text));
  statusTimer = setTimeout(() => setText(node, ""), kind === "error" ? 10000 : 5000);
}

// quiet clears the status line (the host has moved on to another page).
export function quiet() {
  clearTimeout(statusTimer);
  setText(el("status"), "");
}

// ---------------------------------------------------------------------------
// The confirmation dialog. The dialog element traps focus and returns it to
// where it was; Escape cancels.

// confirmDialog asks a question and resolves true when the host agrees.
// typeToConfirm, if set, must be typed exactly before the agree button works
// (for deleting a whole circle).
export function confirmDialog({ title, body, confirm, cancel = "Keep it", danger = true, typeToConfirm = "" }) {
  const dialog = el("confirm");
  // A second question while one is open (a double tap) is a no.
  if (dialog.open) return Promise.resolve(false);
  const ok = el("confirm-ok");
  const no = el("confirm-cancel");
  const typed = el("confirm-typed");
  const typedWrap = el("confirm-type");
  setText(el("confirm-title"), title);
  setText(el("confirm-body"), body);
  setText(ok, confirm);
  setText(no, cancel);
  ok.className = danger ? "button danger" : "button primary";
  typedWrap.hidden = !typeToConfirm;
  typed.value = "";
  if (typeToConfirm) setText(el("confirm-type-label"), `To be sure, type the name: ${typeToConfirm}`);
  const matches = () => !typeToConfirm || typed.value.trim() === typeToConfirm.trim();
  ok.disabled = !matches();
  return new Promise((resolve) => {
    const onInput = () => {
      ok.disabled = !matches();
    };
    const finish = (answer) => {
      ok.removeEventListener("click", onOk);
      no.removeEventListener("click", onNo);
      typed.removeEventListener("input", onInput);
      dialog.removeEventListener("close", onClose);
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    const onOk = () => {
      if (matches()) finish(true);
    };
    const onNo = () => finish(false);
    const onClose = () => finish(false);
    ok.addEventListener("click", onOk);
    no.addEventListener("click", onNo);
    typed.addEventListener("input", onInput);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    (typeToConfirm ? typed : no).focus();
  });
}

// ---------------------------------------------------------------------------
// Copying.

// copyText puts text on the clipboard. Without the clipboard API (a plain-HTTP
// address, an old browser) it falls back to selecting a hidden copy and the
// old copy command. It resolves whether it worked.
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall through to the old way.
  }
  const area = h("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true", tabindex: "-1" });
  area.value = text;
  document.body.append(area);
  area.select();
  area.setSelectionRange(0, text.length);
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

// copyButton copies what get() returns and says so in its own words for a
// moment; if copying is not possible, it selects the field so the host can
// copy by hand.
export function copyButton(get, field, { testid, text = "Copy link" } = {}) {
  const b = button(text, { cls: "button secondary copy", iconName: "copy", testid });
  const label = b.querySelector("span");
  let timer = 0;
  b.addEventListener("click", async () => {
    const ok = await copyText(get());
    clearTimeout(timer);
    if (ok) {
      setText(label, "Copied");
      say("The link is copied. You can paste it into a message or an email.");
    } else {
      if (field) {
        field.focus();
        field.select();
      }
      setText(label, text);
      say("Your browser didn’t let us copy. The link is selected: copy it with your device’s Copy.", "error");
    }
    timer = setTimeout(() => setText(label, text), 2500);
  });
  return b;
}

// ---------------------------------------------------------------------------
// QR codes.

// showQR draws url on canvas and gives it a description for screen readers.
export function showQR(canvas, url, what) {
  try {
    drawQR(canvas, url, 8);
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `QR code for ${what}. Someone can point their phone’s camera at it to open the link.`);
    canvas.hidden = false;
    return true;
  } catch {
    canvas.hidden = true;
    return false;
  }
}

// saveQR offers the QR code as a picture file, for printing on a flyer.
export function saveQR(canvas, name) {
  canvas.toBlob((blob) => {
    if (!blob) return;
    const a = h("a", { href: URL.createObjectURL(blob), download: `${name}.png`, class: "offscreen" });
    document.body.append(a);
    a.click();
    setTimeout(() => {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 1000);
  }, "image/png");
}

// linkBox shows one shareable link: the address in a read-only field, a copy
// button, and a QR code behind a button (drawn only when asked for).
export function linkBox({ label, hint, url, name, testid }) {
  const id = `link-${Math.random().toString(36).slice(2, 9)}`;
  const field = h("input", {
    id,
    class: "field link-field",
    type: "text",
    readonly: true,
    value: url,
    spellcheck: "false",
    "aria-describedby": hint ? `${id}-hint` : undefined,
    testid: testid ? `${testid}-url` : undefined,
  });
  field.addEventListener("focus", () => field.select());
  const canvas = h("canvas", { class: "qr", hidden: true, testid: testid ? `${testid}-qr` : undefined });
  const save = button("Save picture", { cls: "button quiet", onclick: () => saveQR(canvas, name || "hearth-link") });
  save.hidden = true;
  const qrButton = button("Show QR code", { cls: "button secondary", iconName: "qr" });
  qrButton.setAttribute("aria-expanded", "false");
  qrButton.addEventListener("click", () => {
    const open = canvas.hidden;
    if (open) showQR(canvas, url, label.toLowerCase());
    else canvas.hidden = true;
    save.hidden = canvas.hidden;
    qrButton.setAttribute("aria-expanded", String(!canvas.hidden));
    setText(qrButton.querySelector("span"), canvas.hidden ? "Show QR code" : "Hide QR code");
  });
  return h(
    "div",
    { class: "link-box" },
    h("label", { for: id, class: "field-label", text: label }),
    hint ? h("p", { id: `${id}-hint`, class: "hint", text: hint }) : null,
    field,
    h("div", { class: "row" }, copyButton(() => url, field, { testid: testid ? `${testid}-copy` : undefined }), qrButton),
    h("div", { class: "qr-wrap" }, canvas, save),
  );
}

// errorText turns an API error into words for a host: the server's own
// message, which is written for people, first letter capitalised.
export function errorText(err, fallback = "Something went wrong. Please try again.") {
  const msg = err && err.message ? String(err.message).trim() : "";
  if (!msg) return fallback;
  const sentence = msg.charAt(0).toUpperCase() + msg.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

// busy disables a button while work is under way and says so on it.
export async function busy(btn, text, work) {
  const label = btn.querySelector("span") || btn;
  const before = label.textContent;
  btn.disabled = true;
  btn.setAttribute("aria-busy", "true");
  setText(label, text);
  try {
    return await work();
  } finally {
    btn.disabled = false;
    btn.removeAttribute("aria-busy");
    setText(label, before);
  }
}

// clear empties a node.
export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}

// roomPhrase says who is in a room: "3 on a microphone · 5 listening".
export function roomPhrase(members, listeners) {
  const m = Math.max(0, Math.floor(Number(members)) || 0);
  const l = Math.max(0, Math.floor(Number(listeners)) || 0);
  if (m === 0 && l === 0) return "Nobody is here yet.";
  const parts = [];
  if (m > 0) parts.push(m === 1 ? "1 person on a microphone" : `${m} people on a microphone`);
  if (l > 0) parts.push(`${l} listening`);
  return parts.join(" · ");
}
