// Hearth host dashboard: one page for volunteer hosts, with hash routes.
//
//   #/                       your circles, and a form to create one
//   #/circle/{id}            one circle: sessions, invitations, recordings, hosts, activity
//   #/circle/{id}/new        plan a session: playlist, day, time and time zone
//   #/session/{id}           one session: live controls, the room, its links
//   #/account                your password; for admins, the host accounts
//   #/setup/{secret}, #/reset/{secret}   one-time account links (no sign-in needed)
//
// Whoever is not signed in sees the sign-in form first and comes back to the
// same place afterwards. Nothing here talks to anything but this server.

import { forgetCSRF, hasCSRF, me, signIn, signOut, whenSignedOut } from "./dashboard-api.js";
import { el, errorText, quiet, say } from "./dashboard-ui.js";
import { groupsView, groupView } from "./dashboard-groups.js";
import { newSessionView } from "./dashboard-session.js";
import { liveView } from "./dashboard-live.js";
import { accountView, linkRoute, linkView } from "./dashboard-accounts.js";

const VIEWS = ["loading", "login", "groups", "group", "new", "live", "missing", "link", "account"];

const app = {
  host: null,
  current: null, // the view object on screen, which may have timers to stop
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  // missing shows the not-found view with a sentence about what is missing.
  missing(text) {
    el("missing-text").textContent = text || "It may have been deleted, or you may not be a host of it.";
    showView("missing", "Not found");
  },
  showView,
};

// Tests and the curious can look at the dashboard's state here.
window.hearthDashboard = app;

const handlers = {
  groups: groupsView(app),
  group: groupView(app),
  new: newSessionView(app),
  live: liveView(app),
  account: accountView(app),
};

// Accounts: a setup or reset link signs the browser in once it is used.
const links = linkView(app, (host, kind) => {
  app.host = host;
  showAccount();
  route();
  say(kind === "setup" ? "Your admin account is ready. Add your hosts below." : "Your new password is saved, and you are signed in.");
});

// showView puts one view on screen and moves focus to its heading, so a
// screen reader hears where the host has arrived.
function showView(name, title) {
  for (const v of VIEWS) el(`view-${v}`).hidden = v !== name;
  el("main").dataset.view = name;
  document.title = title ? `${title} · Hearth` : "Host · Hearth";
  const heading = el(`view-${name}`).querySelector("h1");
  if (heading && name !== "loading") heading.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function parseRoute() {
  const path = location.hash.replace(/^#/, "") || "/";
  const parts = path.split("/").filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return "";
    }
  });
  if (parts.length === 0) return { name: "groups" };
  if (parts[0] === "circle" && parts[1] && parts.length === 2) return { name: "group", id: parts[1] };
  if (parts[0] === "circle" && parts[1] && parts[2] === "new" && parts.length === 3) return { name: "new", id: parts[1] };
  if (parts[0] === "session" && parts[1] && parts.length === 2) return { name: "live", id: parts[1] };
  if (parts[0] === "account" && parts.length === 1) return { name: "account" };
  return { name: "unknown" };
}

function route() {
  const link = linkRoute();
  if (link) {
    // A link works whoever is (or is not) signed in here.
    if (app.current && app.current.leave) app.current.leave();
    app.current = null;
    quiet();
    links.enter(link);
    return;
  }
  if (!app.host) {
    // Leaving a link's page ("Go to sign in") without having used it.
    if (el("main").dataset.view === "link") askToSignIn("");
    return;
  }
  quiet();
  if (app.current && app.current.leave) app.current.leave();
  app.current = null;
  const r = parseRoute();
  const view = handlers[r.name];
  if (!view) {
    app.missing("This address doesn’t lead anywhere in the dashboard.");
    return;
  }
  app.current = view;
  view.enter(r.id);
}

// ---------------------------------------------------------------------------
// Signing in and out.

function showAccount() {
  el("account").hidden = !app.host;
  el("account-name").textContent = app.host ? app.host.username : "";
}

// askToSignIn shows the sign-in form, with a sentence saying why when there
// is one, and the username filled in when we know it.
function askToSignIn(reason, username) {
  if (app.current && app.current.leave) app.current.leave();
  app.current = null;
  app.host = null;
  showAccount();
  el("login-lead").textContent =
    reason || "Welcome. Sign in with the username and password you were given for this Hearth.";
  el("login-error").textContent = "";
  el("login-password").value = "";
  if (username) el("login-username").value = username;
  showView("login", "Sign in");
  (username ? el("login-password") : el("login-username")).focus();
}

let retryTimer = 0;

async function onLogin(e) {
  e.preventDefault();
  const user = el("login-username");
  const pass = el("login-password");
  const error = el("login-error");
  const submit = el("login-submit");
  clearTimeout(retryTimer);
  error.textContent = "";
  user.removeAttribute("aria-invalid");
  pass.removeAttribute("aria-invalid");
  if (!user.value.trim()) {
    error.textContent = "Please enter your username.";
    user.setAttribute("aria-invalid", "true");
    user.focus();
    return;
  }
  if (!pass.value) {
    error.textContent = "Please enter your password.";
    pass.setAttribute("aria-invalid", "true");
    pass.focus();
    return;
  }
  submit.disabled = true;
  submit.firstElementChild.textContent = "Signing in…";
  try {
    app.host = await signIn(user.value.trim(), pass.value);
    pass.value = "";
    showAccount();
    route();
  } catch (err) {
    if (err.status === 401) {
      error.textContent = "That username and password don’t match. Please check them and try again.";
      pass.setAttribute("aria-invalid", "true");
      pass.select();
    } else if (err.status === 429) {
      const wait = Math.max(1, err.retryAfter || 30);
      error.textContent = `Too many tries in a row. Please wait ${wait === 1 ? "a second" : `${wait} seconds`}, then try again.`;
      submit.disabled = true;
      retryTimer = setTimeout(() => {
        submit.disabled = false;
        error.textContent = "You can try again now.";
      }, wait * 1000);
      submit.firstElementChild.textContent = "Sign in";
      return;
    } else {
      error.textContent = errorText(err);
    }
  }
  submit.disabled = false;
  submit.firstElementChild.textContent = "Sign in";
}

async function onSignOut() {
  try {
    await signOut();
  } catch {
    // Signed out here either way; the cookie expires on its own.
  }
  askToSignIn("You’re signed out. Thank you for hosting.");
  say("You’re signed out.");
}

async function start() {
  el("login-form").addEventListener("submit", onLogin);
  el("login-show").addEventListener("change", (e) => {
    el("login-password").type = e.target.checked ? "text" : "password";
  });
  el("sign-out").addEventListener("click", onSignOut);
  whenSignedOut(() => {
    const name = app.host ? app.host.username : "";
    forgetCSRF();
    askToSignIn("For your safety you were signed out. Please sign in again to carry on where you were.", name);
  });
  window.addEventListener("hashchange", route);
  if (linkRoute()) {
    route();
    return;
  }

  let host = null;
  try {
    host = await me();
  } catch (err) {
    askToSignIn(errorText(err));
    return;
  }
  if (host && hasCSRF()) {
    app.host = host;
    showAccount();
    route();
    return;
  }
  if (host) {
    // Signed in, but this tab has not got the key for making changes (a new
    // tab, or one the browser reopened): the password once more.
    askToSignIn(`Welcome back, ${host.username}. Please enter your password again to continue in this tab.`, host.username);
    return;
  }
  askToSignIn("");
}

start();
