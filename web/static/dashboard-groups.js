// The list of circles, and one circle's page: its sessions, repeating
// sessions and calendar, invitations, recordings, hosts, details (with the
// support text its ended pages show) and activity.

import { api } from "./dashboard-api.js";
import { agoPhrase, browserZone, shortWhen, startsPhrase, untilPhrase } from "./dashboard-time.js";
import { busy, button, clear, confirmDialog, el, errorText, h, icon, say } from "./dashboard-ui.js";
import { library } from "./dashboard-library.js";
import { invites } from "./dashboard-invites.js";
import { seriesCard } from "./dashboard-series.js";
import { preferRepeat } from "./dashboard-session.js";
import { clearOnInput } from "./dashboard-forms.js";


const enc = encodeURIComponent;

// ROLE says a host's part in a circle.
const ROLE = { owner: "Owner", cohost: "Co-host", admin: "Administrator" };

// ---------------------------------------------------------------------------
// Your circles

export function groupsView(app) {
  clearOnInput(el("group-form"), el("group-error"));
  el("group-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = el("group-name");
    const error = el("group-error");
    error.textContent = "";
    name.removeAttribute("aria-invalid");
    if (!name.value.trim()) {
      error.textContent = "Please give the circle a name.";
      name.setAttribute("aria-invalid", "true");
      name.focus();
      return;
    }
    try {
      const g = await busy(el("group-create"), "Creating…", () =>
        api("POST", "/api/v1/groups", { name: name.value.trim(), description: el("group-description").value.trim() }),
      );
      name.value = "";
      el("group-description").value = "";
      say(`“${g.name}” is ready.`);
      app.go(`#/circle/${enc(g.id)}`);
    } catch (err) {
      error.textContent = errorText(err);
    }
  });

  async function enter() {
    app.showView("groups", "Your circles");
    const list = el("groups-list");
    let groups;
    try {
      groups = (await api("GET", "/api/v1/groups")).groups || [];
    } catch (err) {
      say(errorText(err), "error");
      return;
    }
    clear(list);
    el("groups-empty").hidden = groups.length > 0;
    el("new-group-heading").textContent = groups.length ? "Create another circle" : "Create your first circle";
    const nexts = [];
    for (const g of groups) {
      const next = h("p", { class: "group-next row-meta", testid: "group-next" });
      nexts.push([g, next]);
      list.append(
        h(
          "li",
          { class: "card group-card", testid: "group-item" },
          h("a", { class: "group-link", href: `#/circle/${enc(g.id)}` }, h("span", { class: "group-name", text: g.name })),
          g.description ? h("p", { class: "group-desc", text: g.description }) : null,
          g.role && g.role !== "owner" ? h("p", { class: "row-meta", text: ROLE[g.role] || g.role }) : null,
          next,
        ),
      );
    }
    // What is next in each circle, filled in as the answers come.
    const zone = browserZone();
    for (const [g, node] of nexts) {
      api("GET", `/api/v1/groups/${enc(g.id)}/sessions`)
        .then((res) => {
          const sessions = (res && res.sessions) || [];
          const live = sessions.find((s) => s.state === "live");
          const next = sessions
            .filter((s) => s.state === "scheduled")
            .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at))[0];
          if (live) {
            node.dataset.live = "true";
            node.textContent = `Live now: ${live.title}`;
          } else if (next) {
            node.textContent = `Next: ${next.title}, ${startsPhrase(Date.parse(next.starts_at), zone)}`;
          } else {
            node.textContent = "No session planned";
          }
        })
        .catch(() => {});
    }
  }

  return { enter };
}

// ---------------------------------------------------------------------------
// One circle

export function groupView(app) {
  let gid = "";
  let group = null;
  let media = [];
  let sessions = [];
  let timer = 0;
  let visit = 0; // increases on every entry, so late answers for an old visit are dropped

  const lib = library({
    onAdded(m) {
      media = [...media.filter((x) => x.id !== m.id), m];
      lib.show(gid, media);
      renderSteps();
    },
  });
  const inv = invites();
  const series = seriesCard();
  el("plan-series").addEventListener("click", () => preferRepeat("weekly"));
  clearOnInput(el("edit-form"), el("edit-error"));
  clearOnInput(el("host-form"), el("host-error"));

  el("edit-form").addEventListener("submit", saveDetails);
  el("audit-box").addEventListener("toggle", () => {
    if (el("audit-box").open) loadAudit();
  });
  el("group-delete").addEventListener("click", deleteGroup);
  el("host-form").addEventListener("submit", addHost);
  // The getting-started steps jump within the page; the hash is the route.
  for (const a of document.querySelectorAll("[data-jump]")) {
    a.addEventListener("click", (e) => {
      e.preventDefault();
      const target = el(a.dataset.jump);
      target.scrollIntoView({ behavior: "smooth", block: "start" });
      target.focus({ preventScroll: true });
    });
  }
  window.addEventListener("beforeunload", (e) => {
    if (lib.busy()) e.preventDefault();
  });

  async function enter(id) {
    const mine = ++visit;
    const same = id === gid;
    gid = id;
    if (!same) {
      group = null;
      el("audit-box").open = false;
      el("edit-box").open = false;
    }
    const newHref = `#/circle/${enc(id)}/new`;
    el("plan-session").href = newHref;
    el("plan-series").href = newHref;
    el("step-session-link").href = newHref;
    for (const a of document.querySelectorAll("[data-jump]")) a.href = `#/circle/${enc(id)}`;
    let got;
    try {
      got = await Promise.all([
        api("GET", `/api/v1/groups/${enc(id)}`),
        api("GET", `/api/v1/groups/${enc(id)}/media`),
        api("GET", `/api/v1/groups/${enc(id)}/sessions`),
        api("GET", `/api/v1/groups/${enc(id)}/invites`),
      ]);
    } catch (err) {
      if (mine !== visit) return;
      if (err.status === 404) app.missing("This circle doesn’t exist any more, or you’re not one of its hosts.");
      else if (err.status !== 401) {
        app.showView("group", "Circle");
        say(errorText(err), "error");
      }
      return;
    }
    if (mine !== visit) return;
    const [g, m, s, i] = got;
    group = g.group;
    media = m.media || [];
    sessions = s.sessions || [];
    app.showView("group", group.name);
    renderHeader();
    renderHosts(g.hosts || []);
    lib.show(gid, media);
    inv.show(gid, i.invites || [], renderSteps);
    series.show(gid, group, refreshSessions);
    renderSessions();
    renderSteps();
    if (el("audit-box").open) loadAudit();
    timer = setInterval(refreshSessions, 15000);
  }

  function leave() {
    series.leave();
    clearInterval(timer);
    timer = 0;
    visit++;
  }

  function renderHeader() {
    el("group-heading").textContent = group.name;
    el("group-description-text").textContent = group.description || "";
    el("group-description-text").hidden = !group.description;
    el("edit-name").value = group.name;
    el("edit-description").value = group.description || "";
    el("edit-support").value = group.support_text || "";
    const owner = group.role === "owner" || group.role === "admin";
    el("delete-box").hidden = !owner;
    el("host-form").hidden = !owner;
  }

  // The three first steps stay on top until each is done once.
  function renderSteps() {
    const done = {
      media: media.length > 0,
      session: sessions.length > 0,
      invite: inv.activeCount() > 0 || sessions.some((s) => s.state !== "ended"),
    };
    const all = done.media && done.session && done.invite;
    el("steps").hidden = all;
    for (const [key, ok] of Object.entries(done)) {
      const li = el(`step-${key}`);
      li.dataset.done = String(ok);
      li.querySelector(".step-mark").textContent = ok ? "✓" : "";
    }
  }

  async function refreshSessions() {
    const mine = visit;
    try {
      const s = await api("GET", `/api/v1/groups/${enc(gid)}/sessions`);
      if (mine !== visit) return;
      sessions = s.sessions || [];
      renderSessions();
    } catch {
      // The next refresh will try again; nothing on screen is wrong yet.
    }
  }

  function renderSessions() {
    const zone = browserZone();
    const live = sessions.filter((s) => s.state === "live");
    const upcoming = sessions.filter((s) => s.state === "scheduled").sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
    const ended = sessions.filter((s) => s.state === "ended").sort((a, b) => Date.parse(b.starts_at) - Date.parse(a.starts_at));
    el("sessions-empty").hidden = sessions.length > 0;

    const liveBox = el("sessions-live");
    clear(liveBox);
    for (const s of live) {
      const people = s.members + s.listeners;
      liveBox.append(
        h(
          "div",
          { class: "live-card", testid: "session-live" },
          h("p", { class: "live-badge" }, h("span", { class: "dot", "aria-hidden": "true" }), "Live now"),
          h("p", { class: "row-title", text: s.title }),
          h("p", { class: "row-meta", text: people ? `${s.members} in the circle · ${s.listeners} listening` : "Nobody has come in yet" }),
          h("a", { class: "button primary", href: `#/session/${enc(s.id)}`, testid: "open-live" }, "Open live controls"),
        ),
      );
    }

    const up = el("sessions-upcoming");
    clear(up);
    el("sessions-upcoming-heading").hidden = upcoming.length === 0;
    for (const s of upcoming) {
      const at = Date.parse(s.starts_at);
      up.append(
        h(
          "li",
          { class: "row-item", testid: "session-item" },
          h(
            "a",
            { class: "row-link", href: `#/session/${enc(s.id)}` },
            h("span", { class: "row-title", text: s.title }),
            h("span", { class: "row-meta", text: `${shortWhen(at, zone)} · ${untilPhrase(at)}` }),
          ),
        ),
      );
    }

    const past = el("sessions-ended");
    clear(past);
    el("sessions-ended-box").hidden = ended.length === 0;
    el("sessions-ended-summary").textContent = `Past sessions (${ended.length})`;
    for (const s of ended) {
      past.append(
        h(
          "li",
          { class: "row-item is-off" },
          h(
            "a",
            { class: "row-link", href: `#/session/${enc(s.id)}` },
            h("span", { class: "row-title", text: s.title }),
            h("span", { class: "row-meta", text: shortWhen(Date.parse(s.starts_at), zone) }),
          ),
        ),
      );
    }
  }

  function renderHosts(hosts) {
    const ul = el("hosts-list");
    clear(ul);
    const owner = group.role === "owner" || group.role === "admin";
    for (const x of hosts) {
      const you = app.host && x.id === app.host.id;
      const name = you ? `${x.username} (you)` : x.username;
      const remove =
        owner && x.role === "cohost" && !you
          ? button("Remove", { cls: "button quiet small", label: `Remove ${x.username} as co-host`, onclick: () => removeHost(x) })
          : null;
      ul.append(
        h(
          "li",
          { class: "row-item", testid: "host-item" },
          h("div", { class: "row-main" }, h("span", { class: "row-title", text: name }), h("span", { class: "row-meta", text: ROLE[x.role] || x.role })),
          remove,
        ),
      );
    }
  }

  async function reloadHosts() {
    const g = await api("GET", `/api/v1/groups/${enc(gid)}`);
    group = g.group;
    renderHosts(g.hosts || []);
  }

  async function addHost(e) {
    e.preventDefault();
    const input = el("host-username");
    const error = el("host-error");
    error.textContent = "";
    const username = input.value.trim();
    if (!username) {
      error.textContent = "Please type the username of the person to add.";
      input.focus();
      return;
    }
    try {
      await busy(el("host-add"), "Adding…", () => api("POST", `/api/v1/groups/${enc(gid)}/hosts`, { username }));
      input.value = "";
      await reloadHosts();
      say(`${username} is now a co-host of this circle.`);
    } catch (err) {
      error.textContent = err.status === 400 ? `No one on this Hearth has the username “${username}”. Please check the spelling.` : errorText(err);
    }
  }

  async function removeHost(x) {
    const ok = await confirmDialog({
      title: `Remove ${x.username} as co-host?`,
      body: `${x.username} will no longer see this circle or run its sessions. You can add them again at any time.`,
      confirm: "Remove co-host",
      cancel: "Keep them",
    });
    if (!ok) return;
    try {
      await api("DELETE", `/api/v1/groups/${enc(gid)}/hosts/${enc(x.id)}`);
      await reloadHosts();
      say(`${x.username} is no longer a co-host.`);
    } catch (err) {
      say(errorText(err), "error");
    }
  }

  async function saveDetails(e) {
    e.preventDefault();
    const error = el("edit-error");
    error.textContent = "";
    const name = el("edit-name").value.trim();
    if (!name) {
      error.textContent = "The circle needs a name.";
      el("edit-name").setAttribute("aria-invalid", "true");
      el("edit-name").focus();
      return;
    }
    try {
      const g = await busy(el("edit-save"), "Saving…", () =>
        api("PATCH", `/api/v1/groups/${enc(gid)}`, {
          name,
          description: el("edit-description").value.trim(),
          support_text: el("edit-support").value.trim(),
        }),
      );
      group = { ...group, name: g.name, description: g.description, support_text: g.support_text };
      renderHeader();
      document.title = `${group.name} · Hearth`;
      el("edit-box").open = false;
      say("Saved.");
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  async function deleteGroup() {
    const ok = await confirmDialog({
      title: `Delete “${group.name}”?`,
      body: "This ends any session that is happening now, and deletes the circle’s sessions, invitation links, recordings and activity. It can’t be undone.",
      confirm: "Delete for good",
      cancel: "Keep the circle",
      typeToConfirm: group.name,
    });
    if (!ok) return;
    try {
      await api("DELETE", `/api/v1/groups/${enc(gid)}`);
    } catch (err) {
      say(errorText(err), "error");
      return;
    }
    say(`“${group.name}” is deleted.`);
    app.go("#/");
  }

  async function loadAudit() {
    const ul = el("audit-list");
    const mine = visit;
    let entries;
    try {
      entries = (await api("GET", `/api/v1/groups/${enc(gid)}/audit`)).entries || [];
    } catch (err) {
      say(errorText(err), "error");
      return;
    }
    if (mine !== visit) return;
    clear(ul);
    if (entries.length === 0) ul.append(h("li", { class: "empty", text: "Nothing yet." }));
    for (const e of entries) {
      const at = Date.parse(e.at);
      ul.append(
        h(
          "li",
          { class: "log-item" },
          h("span", { text: `${e.actor} ${actionPhrase(e.action, e.target)}` }),
          h("time", { class: "row-meta", datetime: e.at, title: new Date(at).toLocaleString(), text: agoPhrase(at) }),
        ),
      );
    }
  }

  return { enter, leave };
}

// actionPhrase puts an audit entry into words. Targets are mostly ids, which
// mean nothing to a host, so only names are repeated.
export function actionPhrase(action, target) {
  const t = String(target || "");
  const title = t.replace(/\s+\S+$/, ""); // "Title id" -> "Title"
  switch (action) {
    case "group.create":
      return `created the circle “${t}”`;
    case "group.update":
      return "changed the circle’s details";
    case "media.upload":
      return `added the recording “${t}”`;
    case "session.create":
      return `planned the session “${title}”`;
    case "session.pause":
      return "paused a session";
    case "session.resume":
      return "resumed a session";
    case "session.skip":
      return "skipped to the next recording";
    case "session.seek":
      return "moved within a recording";
    case "session.loop":
      return "changed whether a session repeats";
    case "session.end":
      return "ended a session";
    case "session.memorial_on":
      return `made “${title}” a memorial`;
    case "session.memorial_off":
      return `turned the memorial off for “${title}”`;
    case "series.create":
      return `set up the repeating session “${title}”`;
    case "series.cancel":
      return `cancelled one session of “${title}”`;
    case "series.move":
      return `moved one session of “${title}”`;
    case "series.delete":
      return `stopped repeating “${t}”`;
    case "calendar.rotate":
      return "gave the calendar a new address";
    case "invite.create":
      return t.startsWith("listen") ? "made a listen-only invitation link" : "made an invitation link";
    case "invite.revoke":
      return "stopped an invitation link";
    case "host.add":
      return `added ${t} as a co-host`;
    case "host.remove":
      return "removed a co-host";
    case "member.remove":
      return "asked someone to leave a session";
    case "member.mute":
      return "muted someone";
    case "member.allow_unmute":
      return "let someone speak again";
    case "room.configure":
      return `changed the room: ${roomSettingsPhrase(t)}`;
    default:
      return `${action.replace(/[._]/g, " ")}${t ? ` (${t})` : ""}`;
  }
}

// roomSettingsPhrase reads "locked=off mics_locked=on ducking=on" as "door
// open, quiet room on, recording softens for voices".
function roomSettingsPhrase(t) {
  const on = {};
  for (const part of t.split(/\s+/)) {
    const [k, v] = part.split("=");
    if (k) on[k] = v === "on";
  }
  return [
    on.locked ? "door closed" : "door open",
    on.mics_locked ? "quiet room on" : "quiet room off",
    on.ducking ? "recording softens for voices" : "recording stays level",
  ].join(", ");
}
