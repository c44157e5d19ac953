// @ts-check
// What the join page says, decided without the DOM (join.test.js): which
// screen shows, the end screen's words, the status line under the buttons,
// and the microphone button's label. join.js puts them on the page.

export const LINK_INCOMPLETE = "This link looks incomplete. Ask your host for the link again.";
export const LINK_REFUSED = "This link doesn’t work any more. Ask your host for the link again.";
export const LINK_UNKNOWN = "We couldn’t find this session. Ask your host for the link again.";
export const NO_WEBRTC = "This browser can’t join live sessions. Please open the link in Safari, Chrome or Firefox.";
export const ENDED = "This session has ended. Thank you for being here.";
export const REMOVED = "The host has asked you to leave this session.";
export const LEFT = "You have left the session.";
export const RELEASED = "You may speak again. Your microphone is off until you tap it.";

/**
 * viewOf names the screen: "problem" (the link), the finish ("left",
 * "removed", "ended"), "ended", "room", "join", or "loading" before the
 * session's info.
 * @param {{linkProblem: string, finish: string, info: any, want: boolean}} p
 */
export function viewOf({ linkProblem, finish, info, want }) {
  if (linkProblem) return "problem";
  if (finish) return finish;
  if (info && info.state === "ended") return "ended";
  if (want) return "room";
  return info ? "join" : "loading";
}

/**
 * endWords is the end screen's message and note, and whether it offers to
 * join again.
 * @param {string} view      from viewOf
 * @param {string} linkProblem
 * @returns {{message: string, note: string, rejoin: boolean}}
 */
export function endWords(view, linkProblem) {
  switch (view) {
    case "problem":
      return { message: linkProblem, note: "", rejoin: false };
    case "ended":
      return { message: ENDED, note: "You can close this page whenever you like.", rejoin: false };
    case "removed":
      return { message: REMOVED, note: "You can close this page now. If you think this was a mistake, you can contact your host.", rejoin: false };
    case "left":
      return { message: LEFT, note: "Take good care. You can close this page, or join again if you like.", rejoin: true };
  }
  return { message: "", note: "", rejoin: false };
}

/**
 * @typedef {object} StatusFacts
 * @property {string} state        hearth.state
 * @property {string} mode         "", "mic" or "listen"
 * @property {string} detail       "", "offline", "busy", "full" or "doors"
 * @property {boolean} micOn       the person wants to be heard
 * @property {boolean} micLost     the microphone's track ended
 * @property {boolean} locked      a hold keeps the microphone off
 * @property {boolean} roomLocked  the hold is the room-wide one
 * @property {boolean} byHost      the host holds this member's microphone
 * @property {boolean} hasWebRTC
 * @property {string} linkProblem
 */

/**
 * statusWords is the room's status line (text and kind: "wait", "ok" or ""),
 * and the line under the join buttons.
 * @param {StatusFacts} f
 * @returns {{text: string, kind: string, joinText: string}}
 */
export function statusWords(f) {
  let text = "";
  let kind = "";
  const detail =
    f.detail === "offline"
      ? " Waiting for your internet connection."
      : f.detail === "busy"
        ? " Hearth is busy right now. We’ll keep trying."
        : f.detail === "full"
          ? " The room is full right now. We’ll keep trying, or you can just listen."
          : "";
  switch (f.state) {
    case "connecting":
      text = (f.mode === "mic" ? "Joining…" : "Connecting…") + detail;
      kind = "wait";
      break;
    case "reconnecting":
      text = "Reconnecting… You don’t need to do anything." + detail;
      kind = "wait";
      break;
    case "waiting":
      text = "The room isn’t open yet. We’ll bring you in as soon as it opens.";
      kind = "wait";
      break;
    case "connected":
      if (f.mode === "listen") text = "Listening";
      else if (f.micLost) text = "Your microphone stopped. Tap Microphone to turn it back on.";
      else if (f.locked) text = f.roomLocked && !f.byHost ? "You’re in the room. The host has quieted the microphones for now." : "You’re in the room. The host has muted your microphone.";
      else text = f.micOn ? "You’re in the room. Others can hear you." : "You’re in the room. You’re muted.";
      kind = "ok";
      break;
    case "blocked":
      text = "Your browser paused the sound.";
      break;
  }
  let joinText = "";
  if (f.state === "asking") joinText = "Your browser will ask to use your microphone. Please choose Allow.";
  else if (f.state === "refused") joinText = "You can’t join with a microphone right now: the room may be closed to new people. You can still listen.";
  else if (!f.hasWebRTC && !f.linkProblem) joinText = NO_WEBRTC;
  return { text, kind, joinText };
}

/**
 * micWords is the microphone button: whether it is on, its label, and its
 * state ("off", "on" or "locked").
 * @param {{micOn: boolean, locked: boolean, micLost: boolean}} f
 */
export function micWords({ micOn, locked, micLost }) {
  const on = micOn && !locked && !micLost;
  if (locked) return { on, text: "Muted by the host", state: "locked" };
  if (micLost) return { on, text: "Stopped · tap to turn on", state: "off" };
  if (on) return { on, text: "On · tap to mute", state: "on" };
  return { on, text: "Off · tap to talk", state: "off" };
}
