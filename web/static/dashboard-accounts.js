// Accounts in the dashboard:
//
//   #/setup/{secret}   the first start's one-time link: create the first admin
//   #/reset/{secret}   a reset link an admin made: choose a new password
//   #/account          your password; for admins, every host account
//
// The link views work without signing in (the link is the key). Once a link is
// used the browser is signed in and the secret is taken out of the address
// bar and the history, so going back does not show it.

import { api, useAccountLink } from "./dashboard-api.js";
import { busy, button, clear, confirmDialog, copyButton, el, errorText, h, say } from "./dashboard-ui.js";

// The one password rule, the server's: 10 to 256 characters.
function passwordProblem(pw) {
  const n = [...pw].length;
  if (n < 10) return "Please choose a password of at least 10 characters. A few words in a row are easy to remember.";
  if (n > 256) return "That password is longer than 256 characters. Please choose a shorter one.";
  return "";
}

const USERNAME = /^[\p{L}\p{N}._-]{3,40}$/u;

function invalid(field, errorNode, text) {
  errorNode.textContent = text;
  field.setAttribute("aria-invalid", "true");
  field.focus();
}

function resetInvalid(...fields) {
  for (const f of fields) f.removeAttribute("aria-invalid");
}

// Fields say they are fixed as soon as they are: a message about a field goes
// when the host types in it.
function clearOnInput(errorNode, ...fields) {
  for (const f of fields) {
    f.addEventListener("input", () => {
      if (f.getAttribute("aria-invalid") === "true") {
        f.removeAttribute("aria-invalid");
        errorNode.textContent = "";
      }
    });
  }
}

function showPasswords(box, ...fields) {
  box.addEventListener("change", () => {
    for (const f of fields) f.type = box.checked ? "text" : "password";
  });
}

const dateTime = (iso) =>
  new Date(iso).toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });

// linkRoute reads #/setup/{secret} or #/reset/{secret}, or returns null.
export function linkRoute() {
  const m = /^#\/(setup|reset)\/([^/]*)$/.exec(location.hash);
  return m ? { kind: m[1], token: m[2] } : null;
}

// linkView shows a setup or reset link's form. onSignedIn(host, kind) is
// called once the link has been used.
export function linkView(app, onSignedIn) {
  const form = el("link-form");
  const user = el("link-username");
  const pass = el("link-password");
  const pass2 = el("link-password2");
  const error = el("link-error");
  const submit = el("link-submit");
  let current = null; // {kind, token}

  showPasswords(el("link-show"), pass, pass2);
  clearOnInput(error, user, pass, pass2);

  function problem(text) {
    form.hidden = true;
    el("link-lead").textContent = "";
    el("link-problem").textContent = text;
    el("link-problem").hidden = false;
    el("link-signin").hidden = false;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!current) return;
    error.textContent = "";
    resetInvalid(user, pass, pass2);
    const username = user.value.trim();
    if (!USERNAME.test(username)) {
      invalid(user, error, "Please choose a username of 3 to 40 letters or digits (you may also use . - and _).");
      return;
    }
    const bad = passwordProblem(pass.value);
    if (bad) {
      invalid(pass, error, bad);
      return;
    }
    if (pass.value !== pass2.value) {
      invalid(pass2, error, "The two passwords are not the same. Please type the new password again.");
      return;
    }
    const { kind, token } = current;
    try {
      const host = await busy(submit, kind === "setup" ? "Creating your account…" : "Saving…", () =>
        useAccountLink(token, username, pass.value),
      );
      pass.value = "";
      pass2.value = "";
      current = null;
      // The secret leaves the address bar and the history.
      history.replaceState(null, "", kind === "setup" ? "#/account" : "#/");
      onSignedIn(host, kind);
    } catch (err) {
      if (err.status === 400 && /password/i.test(err.message)) invalid(pass, error, errorText(err));
      else if (err.status === 400 && /username/i.test(err.message)) invalid(user, error, errorText(err));
      else if (err.status === 403 || err.status === 404 || err.status === 410) problem(errorText(err));
      else error.textContent = errorText(err);
    }
  });

  return {
    async enter({ kind, token }) {
      current = null;
      form.hidden = true;
      el("link-problem").hidden = true;
      el("link-signin").hidden = true;
      error.textContent = "";
      const setup = kind === "setup";
      el("link-heading").textContent = setup ? "Welcome to Hearth" : "Choose a new password";
      el("link-lead").textContent = "Checking your link…";
      app.showView("link", setup ? "Set up" : "New password");
      let info;
      try {
        info = await api("GET", `/api/v1/account-links/${encodeURIComponent(token)}`, undefined, { own401: true });
      } catch (err) {
        problem(errorText(err));
        return;
      }
      if (info.kind !== kind) {
        problem("This link isn’t valid. Please ask the person who runs this Hearth for a new one.");
        return;
      }
      current = { kind, token };
      const until = dateTime(info.expires_at);
      if (setup) {
        el("link-lead").textContent = `Create the first account. It is an admin account: with it you add the other hosts. This link works once, until ${until}.`;
        user.readOnly = false;
        user.value = "";
        setTextOf(submit, "Create my account");
      } else {
        el("link-lead").textContent = `Choose a new password for ${info.username}. This link works once, until ${until}; afterwards you are signed in.`;
        user.readOnly = true;
        user.value = info.username;
        setTextOf(submit, "Save my new password");
      }
      el("link-username-hint").hidden = !setup;
      form.hidden = false;
      (setup ? user : pass).focus();
    },
  };
}

function setTextOf(btn, text) {
  (btn.querySelector("span") || btn).textContent = text;
}

// randomPassword makes a password nobody knows, for an account whose owner
// will choose their own with a reset link.
function randomPassword() {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// accountView is #/account: the host's own password, and for admins the list
// of host accounts with their actions.
export function accountView(app) {
  const pwForm = el("password-form");
  const cur = el("password-current");
  const pw1 = el("password-new");
  const pw2 = el("password-new2");
  const pwError = el("password-error");
  showPasswords(el("password-show"), cur, pw1, pw2);
  clearOnInput(pwError, cur, pw1, pw2);

  pwForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    pwError.textContent = "";
    resetInvalid(cur, pw1, pw2);
    if (!cur.value) {
      invalid(cur, pwError, "Please type your current password.");
      return;
    }
    const bad = passwordProblem(pw1.value);
    if (bad) {
      invalid(pw1, pwError, bad);
      return;
    }
    if (pw1.value !== pw2.value) {
      invalid(pw2, pwError, "The two new passwords are not the same. Please type it again.");
      return;
    }
    try {
      await busy(el("password-submit"), "Changing…", () =>
        api("POST", "/api/v1/auth/password", { current_password: cur.value, new_password: pw1.value }),
      );
      cur.value = pw1.value = pw2.value = "";
      say("Your password is changed. Use the new one next time you sign in.");
    } catch (err) {
      if (err.status === 403) invalid(cur, pwError, errorText(err));
      else if (err.status === 400) invalid(pw1, pwError, errorText(err));
      else pwError.textContent = errorText(err);
    }
  });

  // ---- admins: host accounts
  const list = el("accounts-list");
  const resetBox = el("accounts-reset");
  let hosts = [];

  async function load() {
    try {
      const res = await api("GET", "/api/v1/hosts");
      hosts = res.hosts || [];
    } catch (err) {
      say(errorText(err), "error");
      return;
    }
    render();
  }

  function render() {
    clear(list);
    for (const host of hosts) list.append(hostRow(host));
  }

  function hostRow(host) {
    const you = host.id === app.host.id;
    const badges = [];
    if (you) badges.push(h("span", { class: "badge ok", text: "You" }));
    if (host.admin) badges.push(h("span", { class: "badge", text: "Admin" }));
    if (host.disabled) badges.push(h("span", { class: "badge", testid: "host-off", text: "Switched off" }));
    const meta = host.disabled
      ? "Can’t sign in. Their API tokens don’t work until you switch the account on again."
      : host.sole_owner_of.length
        ? `Owner of ${host.sole_owner_of.map((g) => g.name).join(", ")}`
        : `Added ${new Date(host.created_at).toLocaleDateString()}`;
    const actions = [];
    if (!you) {
      if (!host.disabled) actions.push(button("Reset link", { cls: "button quiet small", testid: "host-reset", onclick: (e) => makeReset(host, e.currentTarget) }));
      actions.push(
        button(host.disabled ? "Switch on" : "Switch off", {
          cls: "button quiet small",
          testid: "host-toggle",
          onclick: (e) => toggle(host, e.currentTarget),
        }),
      );
      actions.push(button("Delete", { cls: "button quiet small danger-text", testid: "host-delete", onclick: () => remove(host) }));
    }
    return h(
      "li",
      { class: `row-item${host.disabled ? " is-off" : ""}`, testid: "account-item", "data-username": host.username },
      h("div", { class: "row-main" }, h("span", { class: "row-title" }, host.username, ...badges), h("span", { class: "row-meta", text: meta })),
      actions.length ? h("div", { class: "row-actions" }, ...actions) : null,
    );
  }

  async function makeReset(host, btn) {
    try {
      const res = await busy(btn, "Making…", () => api("POST", `/api/v1/hosts/${encodeURIComponent(host.id)}/reset-link`));
      showReset(res, `Send this link to ${res.username}`, "It lets them choose a new password. It works once, until " + dateTime(res.expires_at) + ". Making another link stops this one.");
    } catch (err) {
      say(errorText(err), "error");
    }
  }

  function showReset(res, title, hint) {
    clear(resetBox);
    const field = h("input", { class: "field link-field", type: "text", readonly: true, value: res.url, spellcheck: "false", testid: "reset-url", "aria-label": title });
    field.addEventListener("focus", () => field.select());
    resetBox.append(
      h("h3", { class: "sub-title", tabindex: "-1", text: title }),
      h("p", { class: "notice", text: hint }),
      field,
      h("div", { class: "row" }, copyButton(() => res.url, field, { testid: "reset-copy" }), button("Done", { cls: "button quiet", onclick: () => (resetBox.hidden = true) })),
    );
    resetBox.hidden = false;
    resetBox.querySelector("h3").focus();
  }

  async function toggle(host, btn) {
    const off = !host.disabled;
    if (off) {
      const ok = await confirmDialog({
        title: `Switch off ${host.username}’s account?`,
        body: "They are signed out at once and can’t sign in; their API tokens stop working. Their circles keep going. You can switch the account on again later.",
        confirm: "Switch off",
        cancel: "Keep it on",
      });
      if (!ok) return;
    }
    try {
      const res = await busy(btn, off ? "Switching off…" : "Switching on…", () =>
        api("PATCH", `/api/v1/hosts/${encodeURIComponent(host.id)}`, { disabled: off }),
      );
      Object.assign(host, res);
      render();
      say(off ? `${host.username} is switched off.` : `${host.username} can sign in again.`);
    } catch (err) {
      say(errorText(err), "error");
    }
  }

  async function remove(host) {
    let transfer = "";
    if (host.sole_owner_of.length) {
      const heirs = hosts.filter((x) => x.id !== host.id && !x.disabled);
      if (!heirs.length) {
        say(`${host.username} is the only owner of ${host.sole_owner_of.map((g) => g.name).join(", ")}. Add another host first, or delete those circles.`, "error");
        return;
      }
      transfer = await chooseHeir(host, heirs);
      if (!transfer) return;
    } else {
      const ok = await confirmDialog({
        title: `Delete ${host.username}’s account?`,
        body: "They can no longer sign in and their API tokens stop working. Circles they co-host carry on without them. This can’t be undone.",
        confirm: "Delete account",
      });
      if (!ok) return;
    }
    try {
      const q = transfer ? `?transfer_to=${encodeURIComponent(transfer)}` : "";
      await api("DELETE", `/api/v1/hosts/${encodeURIComponent(host.id)}${q}`);
      say(`${host.username}’s account is deleted.`);
      await load();
    } catch (err) {
      say(errorText(err), "error");
      await load();
    }
  }

  // chooseHeir asks, in the row itself, who takes over the circles that only
  // this host owns; it resolves with a host id, or "" when the admin cancels.
  function chooseHeir(host, heirs) {
    return new Promise((resolve) => {
      const row = list.querySelector(`[data-username="${CSS.escape(host.username)}"]`);
      const id = `heir-${host.id}`;
      const select = h("select", { id, class: "field", testid: "heir-select" }, ...heirs.map((x) => h("option", { value: x.id, text: x.username })));
      const panel = h(
        "div",
        { class: "heir-panel", testid: "heir-panel" },
        h("p", { text: `${host.username} is the only owner of ${host.sole_owner_of.map((g) => g.name).join(", ")}. Who should look after ${host.sole_owner_of.length === 1 ? "it" : "them"}?` }),
        h("label", { for: id, class: "field-label", text: "Hand over to" }),
        select,
        h(
          "div",
          { class: "row" },
          button(`Hand over and delete ${host.username}`, { cls: "button danger", testid: "heir-confirm", onclick: () => done(select.value) }),
          button("Cancel", { cls: "button secondary", onclick: () => done("") }),
        ),
      );
      function done(v) {
        panel.remove();
        resolve(v);
      }
      row.append(panel);
      select.focus();
    });
  }

  el("new-host-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const user = el("new-host-username");
    const pass = el("new-host-password");
    const error = el("new-host-error");
    error.textContent = "";
    resetInvalid(user, pass);
    const username = user.value.trim();
    if (!USERNAME.test(username)) {
      invalid(user, error, "Please choose a username of 3 to 40 letters or digits (you may also use . - and _).");
      return;
    }
    const byLink = pass.value === "";
    if (!byLink) {
      const bad = passwordProblem(pass.value);
      if (bad) {
        invalid(pass, error, bad);
        return;
      }
    }
    try {
      const made = await busy(el("new-host-submit"), "Adding…", async () => {
        const host = await api("POST", "/api/v1/hosts", { username, password: byLink ? randomPassword() : pass.value, admin: el("new-host-admin").checked });
        return byLink ? { host, link: await api("POST", `/api/v1/hosts/${encodeURIComponent(host.id)}/reset-link`) } : { host };
      });
      user.value = pass.value = "";
      el("new-host-admin").checked = false;
      await load();
      if (made.link) {
        showReset(made.link, `Send this link to ${username}`, `With it they choose their own password and are signed in. It works once, until ${dateTime(made.link.expires_at)}.`);
      } else {
        say(`${username} can sign in now. Tell them their username and password, and ask them to change the password under Account.`);
      }
    } catch (err) {
      if (err.status === 409 || /username/i.test(err.message)) invalid(user, error, errorText(err));
      else if (/password/i.test(err.message)) invalid(pass, error, errorText(err));
      else error.textContent = errorText(err);
    }
  });
  clearOnInput(el("new-host-error"), el("new-host-username"), el("new-host-password"));

  return {
    enter() {
      el("password-username").value = app.host.username;
      el("account-lead").textContent = `Signed in as ${app.host.username}${app.host.admin ? ", an admin" : ""}.`;
      el("accounts-card").hidden = !app.host.admin;
      resetBox.hidden = true;
      app.showView("account", "Your account");
      if (app.host.admin) load();
    },
  };
}
