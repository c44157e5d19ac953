// The invitation page: it follows a group's invite link (/i/TOKEN) to the group's current or next
// session. Nothing is asked here; the join page asks only for a first name.
const token = location.pathname.split("/").filter(Boolean)[1] || "";
const $ = (id) => document.getElementById(id);

function show(title, message) {
  $("title").textContent = title;
  $("message").textContent = message;
}

async function open() {
  if (!token) {
    show("This link looks incomplete", "Ask your host to send the invitation again.");
    return;
  }
  let res;
  try {
    res = await fetch("/api/v1/invites/" + encodeURIComponent(token), { method: "POST", cache: "no-store" });
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
  const when = new Date(info.session.starts_at);
  const live = info.session.state === "live";
  $("message").textContent = live
    ? `"${info.session.title}" is happening now.`
    : `Next: "${info.session.title}", ${when.toLocaleString([], { weekday: "long", hour: "2-digit", minute: "2-digit", day: "numeric", month: "long" })}.`;
  const go = $("go");
  go.href = info.session.url;
  go.textContent = info.kind === "member" ? "Continue to join" : "Continue to listen";
  go.hidden = false;
}

open();
