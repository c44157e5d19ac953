// @ts-check
// The memorial collage as the listen and join pages show it: the room's video,
// large, with the caption of the photo on screen as text under it.
//
// The video element only shows pictures: it is muted, and the sound comes
// through the page's audio element as it always has (the server sends both
// tracks in one stream, so the browser keeps them in sync). The picture stays
// hidden until a video track really delivers frames, so a session without a
// collage looks exactly as before. Captions arrive as room events,
// {"type":"caption","text":"…","name":"…"}, on the data channel or the event
// stream, and are read out politely; an empty text clears the caption.
//
// Nothing here talks to anything but this server.

import { setData, setText } from "./shared.js";

// A reconnection keeps the last picture on screen; if the new connection
// brings no picture in this long, the picture goes.
const LOST_MS = 8000;
// A track the server stops sending (muted) goes after a short grace, so a
// moment's hiccup does not make the page jump.
const MUTE_HIDE_MS = 2000;

// collageStage drives the picture and caption elements of a page: page gets
// data-video="true" while the picture shows (the stylesheets lay the page out
// around it), frame is the picture's box, video the <video>, caption the
// polite live region, captionText and captionBy its two parts, captionName
// the contributor's name inside captionBy. onChange() is told when the
// picture appears or goes, or the caption changes.
/**
 * @param {object} o
 * @param {HTMLElement} o.page
 * @param {HTMLElement} o.frame
 * @param {HTMLVideoElement} o.video
 * @param {HTMLElement} o.caption
 * @param {HTMLElement} o.captionText
 * @param {HTMLElement} o.captionBy
 * @param {HTMLElement} o.captionName
 * @param {() => void} [o.onChange]
 */
export function collageStage({ page, frame, video, caption, captionText, captionBy, captionName, onChange }) {
  let track = null;
  let showing = false;
  let lostTimer = 0;
  let muteTimer = 0;
  let text = "";

  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;

  const changed = () => {
    if (onChange) onChange();
  };

  function setShowing(on) {
    clearTimeout(lostTimer);
    lostTimer = 0;
    if (showing === on) return;
    showing = on;
    frame.hidden = !on;
    setData(page, "video", on ? "true" : "");
    changed();
  }

  // framesIn shows the picture once the element has decoded one.
  function framesIn() {
    if (!track || track.readyState !== "live") return;
    if (video.videoWidth > 0 && video.videoHeight > 0) {
      clearTimeout(muteTimer);
      muteTimer = 0;
      setShowing(true);
    }
  }

  video.addEventListener("resize", framesIn);
  video.addEventListener("loadeddata", framesIn);

  // begin is called when a new connection attempt starts: a picture still on
  // screen from the last one stays for a while, and goes unless the new
  // connection brings pictures again.
  function begin() {
    clearTimeout(lostTimer);
    lostTimer = 0;
    if (!showing) return;
    lostTimer = setTimeout(() => {
      lostTimer = 0;
      setShowing(false);
    }, LOST_MS);
  }

  // attach shows a received video track (from ontrack).
  function attach(next) {
    if (!next || next.kind !== "video") return;
    if (track === next) return;
    track = next;
    const mine = next;
    next.addEventListener("mute", () => {
      if (track !== mine) return;
      clearTimeout(muteTimer);
      muteTimer = setTimeout(() => {
        muteTimer = 0;
        if (track === mine && mine.muted) setShowing(false);
      }, MUTE_HIDE_MS);
    });
    next.addEventListener("unmute", () => {
      if (track !== mine) return;
      clearTimeout(muteTimer);
      muteTimer = 0;
      framesIn();
    });
    next.addEventListener("ended", () => {
      if (track === mine) setShowing(false);
    });
    video.srcObject = new MediaStream([next]);
    const p = video.play();
    if (p && typeof p.catch === "function") p.catch(() => {});
  }

  // end takes the picture and the caption away: the person left, or the
  // session is over.
  function end() {
    clearTimeout(muteTimer);
    muteTimer = 0;
    track = null;
    try {
      video.pause();
    } catch {
      // Nothing to stop.
    }
    video.srcObject = null;
    setShowing(false);
    setCaption({ text: "" });
  }

  // setCaption takes a "caption" message. The live region itself stays in
  // place (an emptied region, not a hidden one), so screen readers announce
  // every new caption.
  function setCaption(msg) {
    const next = msg && typeof msg.text === "string" ? msg.text.trim() : "";
    const name = next && msg && typeof msg.name === "string" ? msg.name.trim() : "";
    if (next === text && captionName.textContent === name) return;
    text = next;
    setText(captionText, next);
    setText(captionName, name);
    captionBy.hidden = !name;
    setData(caption, "on", next ? "true" : "");
    changed();
  }

  return {
    begin,
    attach,
    end,
    caption: setCaption,
    showing: () => showing,
    text: () => text,
  };
}

// pageCollage sets up the collage on a live page, whose HTML has the same
// elements on the join and listen pages: the <main> page, #collage-frame,
// #collage-video and the caption's #caption, #caption-text, #caption-by and
// #caption-name.
/** @param {Document} doc */
export function pageCollage(doc) {
  const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (doc.getElementById(id));
  return collageStage({
    page: /** @type {HTMLElement} */ (doc.querySelector("main")),
    frame: el("collage-frame"),
    video: /** @type {HTMLVideoElement} */ (el("collage-video")),
    caption: el("caption"),
    captionText: el("caption-text"),
    captionBy: el("caption-by"),
    captionName: el("caption-name"),
  });
}

// collageOpen asks whether the session has a collage that still takes
// contributions. It resolves true or false, or null when it could not tell
// (the request failed, or this server has no collages).
export async function collageOpen(sessionId, headers) {
  try {
    const res = await fetch(`/api/v1/sessions/${encodeURIComponent(sessionId)}/collage`, {
      headers,
      cache: "no-store",
      credentials: "omit",
    });
    if (!res.ok) return null;
    const body = await res.json();
    if (!body || typeof body !== "object" || !Array.isArray(body.items)) return null;
    return !body.locked;
  } catch {
    return null;
  }
}
