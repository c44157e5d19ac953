// Invitation links of a circle. A new link is shown at once with a copy
// button and a QR code; any working link can be shown again from the list
// ("Show link"), since the server gives the circle's hosts their links. A
// use is one person going in by the link, so looking at it spends nothing.

import { api } from "./dashboard-api.js";
import { agoPhrase, browserZone, dayPhrase, parseDate, rfc3339, zoneInstant } from "./dashboard-time.js";
import { busy, button, clear, confirmDialog, copyButton, el, errorText, h, say, saveQR, showQR } from "./dashboard-ui.js";
import { clearOnInput } from "./dashboard-forms.js";

export function invites() {
  let groupId = "";
  let list = [];
  const made = new Map(); // invite id -> url, for links made during this visit (older servers list none)
  let onChange = () => {};

  const urlField = el("invite-url");
  el("invite-actions").append(copyButton(() => urlField.value, urlField, { testid: "invite-copy" }));
  urlField.addEventListener("focus", () => urlField.select());
  el("invite-qr-save").addEventListener("click", () => saveQR(el("invite-qr"), "hearth-invitation"));
  el("invite-form").addEventListener("submit", create);
  clearOnInput(el("invite-form"), el("invite-error"));

  async function create(e) {
    e.preventDefault();
    const error = el("invite-error");
    error.textContent = "";
    const kind = el("invite-form").querySelector("input[name=invite-kind]:checked").value;
    const body = { kind };
    const expires = el("invite-expires").value;
    if (expires) {
      const d = parseDate(expires);
      if (!d) {
        error.textContent = "Please choose a day for the link to stop working, or leave it empty.";
        return;
      }
      // The link works until the end of that day, on this device's clock.
      const zone = browserZone();
      const end = zoneInstant({ ...d, hour: 23, minute: 59 }, zone);
      if (end.ms <= Date.now()) {
        error.textContent = "That day has already passed. Choose a later day, or leave it empty.";
        return;
      }
      body.expires_at = rfc3339(end.ms, zone);
    }
    const uses = el("invite-uses").value.trim();
    if (uses) {
      const n = Number(uses);
      if (!Number.isInteger(n) || n < 1 || n > 100000) {
        error.textContent = "The number of times must be a whole number from 1 to 100000, or empty for no limit.";
        return;
      }
      body.max_uses = n;
    }
    let inv;
    try {
      inv = await busy(el("invite-create"), "Making the link…", () => api("POST", `/api/v1/groups/${encodeURIComponent(groupId)}/invites`, body));
    } catch (err) {
      error.textContent = errorText(err);
      return;
    }
    made.set(inv.id, inv.url);
    showNew(inv);
    list = [inv, ...list.filter((x) => x.id !== inv.id)];
    render();
    onChange(list);
  }

  // showNew shows a link with its QR code: a new one, or one shown again.
  function showNew(inv, again = false) {
    const url = inv.url || made.get(inv.id);
    if (!url) return;
    el("invite-new").hidden = false;
    el("invite-new").dataset.invite = inv.id;
    setHeading(again ? (inv.kind === "listen" ? "Listen-only link" : "Link to join") : "Your new link");
    el("invite-url-label").textContent = inv.kind === "listen" ? "Listen-only invitation link" : "Invitation link to join the circle";
    urlField.value = url;
    showQR(el("invite-qr"), url, "the invitation link");
    el("invite-new-heading").focus();
    say(again ? "Here is the link again, with its QR code." : "Your invitation link is ready. Copy it, or let someone scan its QR code.");
  }

  function setHeading(text) {
    el("invite-new-heading").textContent = text;
  }

  function status(inv) {
    if (inv.revoked) return { active: false, text: "Stopped" };
    if (inv.expires_at && Date.parse(inv.expires_at) <= Date.now()) return { active: false, text: "Expired" };
    if (inv.max_uses && inv.uses >= inv.max_uses) return { active: false, text: "Used up" };
    return { active: true, text: "Working" };
  }

  function describe(inv) {
    const parts = [`Made ${agoPhrase(Date.parse(inv.created_at))}`];
    const n = inv.uses || 0;
    if (inv.max_uses) parts.push(`used by ${n} of ${inv.max_uses} ${inv.max_uses === 1 ? "person" : "people"}`);
    else parts.push(n === 1 ? "used by 1 person" : `used by ${n} people`);
    if (inv.expires_at) parts.push(`until ${dayPhrase(Date.parse(inv.expires_at), browserZone())}`);
    return parts.join(" · ");
  }

  function render() {
    const ul = el("invites-list");
    clear(ul);
    const sorted = [...list].sort((a, b) => {
      const sa = status(a).active ? 0 : 1;
      const sb = status(b).active ? 0 : 1;
      return sa - sb || Date.parse(b.created_at) - Date.parse(a.created_at);
    });
    el("invites-list-heading").hidden = sorted.length === 0;
    for (const inv of sorted) {
      const st = status(inv);
      const kind = inv.kind === "listen" ? "Listen-only link" : "Link to join";
      const actions = h("div", { class: "row-actions" });
      const url = inv.url || made.get(inv.id);
      if (url && st.active) {
        actions.append(
          button("Show link", {
            cls: "button secondary small",
            iconName: "qr",
            label: `Show this ${kind.toLowerCase()} and its QR code`,
            testid: "invite-show",
            onclick: () => showNew(inv, true),
          }),
          copyButton(() => url, null, { text: "Copy" }),
        );
      }
      if (st.active) {
        actions.append(
          button("Stop link", {
            cls: "button quiet small",
            label: `Stop this ${kind.toLowerCase()}`,
            onclick: () => revoke(inv),
          }),
        );
      }
      ul.append(
        h(
          "li",
          { class: `row-item${st.active ? "" : " is-off"}`, testid: "invite-item" },
          h(
            "div",
            { class: "row-main" },
            h("span", { class: "row-title" }, kind, h("span", { class: `badge${st.active ? " ok" : ""}`, text: st.text })),
            h("span", { class: "row-meta", testid: "invite-uses-text", text: describe(inv) }),
          ),
          actions,
        ),
      );
    }
  }

  async function revoke(inv) {
    const ok = await confirmDialog({
      title: "Stop this link?",
      body: "Anyone who has it won’t be able to use it any more. People already in a session stay in it. You can always make a new link.",
      confirm: "Stop the link",
      cancel: "Keep it working",
    });
    if (!ok) return;
    try {
      await api("DELETE", `/api/v1/groups/${encodeURIComponent(groupId)}/invites/${encodeURIComponent(inv.id)}`);
    } catch (err) {
      say(errorText(err), "error");
      return;
    }
    inv.revoked = true;
    if (el("invite-new").dataset.invite === inv.id) el("invite-new").hidden = true;
    render();
    onChange(list);
    say("The link is stopped.");
  }

  // show fills the card for a group.
  function show(gid, invitesList, changed) {
    if (gid !== groupId) {
      el("invite-new").hidden = true;
      urlField.value = "";
      el("invite-error").textContent = "";
    }
    groupId = gid;
    list = invitesList;
    onChange = changed || (() => {});
    render();
  }

  return { show, activeCount: () => list.filter((i) => status(i).active).length };
}
