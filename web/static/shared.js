// Pieces the listen and join pages share: DOM setters that only touch what
// changed, waiting for ICE gathering, leaving a WHEP or member resource, and
// the now-playing block with its progress bar.
//
// Nothing here talks to anything but this server.

import { clock } from "./text.js";

// The setters touch the DOM only on change, so live regions are not
// re-announced and nothing re-lays out for no reason.
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function setAttr(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

export function setData(node, key, value) {
  if (value) {
    if (node.dataset[key] !== value) node.dataset[key] = value;
  } else if (key in node.dataset) {
    delete node.dataset[key];
  }
}

// gathered resolves when ICE gathering is complete, or after maxMs: the
// server wants every candidate in the offer (no trickle), and a slow network
// interface must not hold the person up for long.
export function gathered(pc, maxMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", onState);
      pc.removeEventListener("icecandidate", onCandidate);
      resolve();
    };
    const onState = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const onCandidate = (e) => {
      if (!e.candidate) done();
    };
    const timer = setTimeout(done, maxMs);
    pc.addEventListener("icegatheringstatechange", onState);
    pc.addEventListener("icecandidate", onCandidate);
  });
}

// deleteResource tells the server we are gone. keepalive lets it finish after
// the page is hidden or unloaded.
export function deleteResource(url, token) {
  if (!url) return;
  try {
    fetch(url, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${token}` },
      keepalive: true,
      cache: "no-store",
      credentials: "omit",
    }).catch(() => {});
  } catch {
    // Nothing more we can do; the server times the resource out.
  }
}

// renderNowPlaying fills the now-playing block. ui holds now, nowTitle,
// progress, fill, elapsed and remaining; np is the server's now_playing object
// (or null) as it was at stampedAt (performance.now()); emptyText is what to
// say when nothing plays. Progress is interpolated on the monotonic clock, so
// a wrong or changed device clock cannot move it.
export function renderNowPlaying(ui, np, stampedAt, emptyText) {
  if (!np) {
    setText(ui.nowTitle, emptyText);
    setData(ui.now, "empty", "true");
    setProgress(ui, 0, 0);
    return;
  }
  setData(ui.now, "empty", "false");
  setText(ui.nowTitle, typeof np.title === "string" && np.title.trim() ? np.title.trim() : "Untitled");
  const duration = Math.max(0, Number(np.duration_ms) || 0);
  let pos = Math.max(0, Number(np.position_ms) || 0);
  if (!np.paused) pos += performance.now() - stampedAt;
  if (duration > 0) pos = Math.min(pos, duration);
  setProgress(ui, pos, duration);
}

function setProgress(ui, posMs, durMs) {
  const pos = Math.floor(posMs / 1000);
  const dur = Math.round(durMs / 1000);
  const bar = ui.progress;
  if (dur > 0) {
    setAttr(bar, "aria-valuemax", String(dur));
    setAttr(bar, "aria-valuenow", String(Math.min(pos, dur)));
    setAttr(bar, "aria-valuetext", `${clock(pos)} of ${clock(dur)}`);
    setText(ui.remaining, `${clock(Math.max(0, dur - pos))} left`);
    ui.fill.style.transform = `scaleX(${Math.min(1, posMs / durMs).toFixed(4)})`;
  } else {
    // Unknown length: say how long it has played, with no bar to fill.
    setAttr(bar, "aria-valuemax", "0");
    setAttr(bar, "aria-valuenow", "0");
    setAttr(bar, "aria-valuetext", posMs > 0 ? `${clock(pos)} played` : "Not started");
    setText(ui.remaining, "");
    ui.fill.style.transform = "scaleX(0)";
  }
  setText(ui.elapsed, clock(pos));
}
