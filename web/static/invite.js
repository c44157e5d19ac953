// The invitation page: it follows a group's invite link (/i/TOKEN) to the
// group's current or next session. Opening the page only looks: it spends
// none of the link's uses. Pressing "Join" (or "Listen") is what counts, once
// per person: the browser keeps a random id for this link, so coming back,
// reloading or reconnecting never counts again. Nothing else is asked here;
// the join page asks only for a first name.
const token = location.pathname.split("/").filter(Boolean)[1] || "";
const $ = (id) => document.getElementById(id);
const CLAIMS_KEY = "hearth.invite.claims";

function show(title, message) {
  $("title").textContent = title;
  $("message").textContent = message;
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // blocked: the id lives as long as the page
  }
}

// claimFor returns this browser's id for this link, made once and kept.
let memoryClaim = "";
function claimFor(link) {
  const key = link.slice(-16);
  const s = storage();
  let all = {};
  try {
    all = JSON.parse((s && s.getItem(CLAIMS_KEY)) || "{}") || {};
  } catch {
    all = {};
  }
  if (typeof all[key] === "string" && /^[A-Za-z0-9_-]{16,64}$/.test(all[key])) return all[key];
  if (!memoryClaim) {
    const bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    memoryClaim = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  all[key] = memoryClaim;
  try {
    if (s) s.setItem(CLAIMS_KEY, JSON.stringify(all));
  } catch {
    // full or blocked: this visit still works
  }
  return memoryClaim;
}

async function post(path, claim) {
  return fetch(path, {
    method: "POST",
    cache: "no-store",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ claim }),
  });
}

function when(info) {
  const at = new Date(info.session.starts_at);
  return at.toLocaleString([], { weekday: "long", hour: "numeric", minute: "2-digit", day: "numeric", month: "long" });
}

// sessionLink accepts only a web address of a join or listen page.
function sessionLink(url) {
  try {
    const u = new URL(String(url), location.href);
    return (u.protocol === "https:" || u.protocol === "http:") && /^\/(join|listen)\//.test(u.pathname);
  } catch {
    return false;
  }
}

async function open() {
  if (!token) {
    show("This link looks incomplete", "Ask your host to send the invitation again.");
    return;
  }
  const claim = claimFor(token);
  let res;
  try {
    res = await post("/api/v1/invites/" + encodeURIComponent(token), claim);
  } catch {
    show("We couldn't reach Hearth", "Please check your connection and open the link again.");
    return;
  }
  if (!res.ok) {
    show("This invitation has ended", "This link is not valid any more. Ask your host for a new one.");
    return;
  }
  const info = await res.json();
  $("title").textContent = info.group.name;
  if (info.group.description) {
    $("description").textContent = info.group.description;
    $("description").hidden = false;
  }
  if (!info.session) {
    $("message").textContent = "No gathering is planned right now. Keep this link: it will take you to the next one.";
    return;
  }
  const live = info.session.state === "live";
  $("message").textContent = live ? `“${info.session.title}” is happening now.` : `Next: “${info.session.title}”, ${when(info)}.`;
  const go = $("go");
  const member = info.kind === "member";
  go.textContent = member ? "Join the circle" : "Listen";
  go.hidden = false;
  go.addEventListener("click", () => accept(claim, go, member));
}

// accept counts this person's use (once) and takes them to the session.
async function accept(claim, go, member) {
  if (go.disabled) return;
  go.disabled = true;
  $("problem").textContent = "";
  const label = go.textContent;
  go.textContent = "Opening…";
  let res;
  try {
    res = await post("/api/v1/invites/" + encodeURIComponent(token) + "/accept", claim);
  } catch {
    $("problem").textContent = "We couldn't reach Hearth. Please check your connection and try again.";
    go.textContent = label;
    go.disabled = false;
    return;
  }
  if (res.ok) {
    const info = await res.json();
    const url = info.session && info.session.url;
    if (sessionLink(url)) {
      location.assign(url);
      return;
    }
  }
  go.textContent = label;
  go.disabled = false;
  if (res.status === 409) {
    $("problem").textContent = "That gathering isn't planned any more. Keep this link: it will take you to the next one.";
  } else if (res.status === 404) {
    go.hidden = true;
    show("This invitation has ended", "This link has been used as many times as it may be. Ask your host for a new one.");
  } else {
    $("problem").textContent = member ? "We couldn't open the circle just now. Please try again in a moment." : "We couldn't open the session just now. Please try again in a moment.";
  }
}

open();
