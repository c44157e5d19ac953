// @ts-check
// The live pages' link to a room, without any DOM: the join page and the
// listen page each draw their own screen and hand this module the rest.
//
//   connection()      one RTCPeerConnection to the server at a time: the offer
//                     (all candidates, no trickle), the POST, the answer, the
//                     connection's health, and reconnection with backoff.
//   eventFeed()       the room's event stream (SSE) for pages without a data
//                     channel, with its own retries.
//   parseState()      a room "state" message as the pages keep it.
//   holds()           the host's holds on a member's microphone and their
//                     release (docs/PROTOCOL.md, "Holds").
//   fetchSessionInfo  the session's public info, timed.
//   sessionPoller()   that info now and then, one request at a time, with the
//                     server clock's offset from the device's.
//   parseReaction()   a candle or a heart from the room.
//
// Timers, fetch, EventSource and RTCPeerConnection come from env, so the
// module runs under node with fakes (live.test.js). Nothing here talks to
// anything but this server.
//
// The code lives in modules by concern; this one gathers them, so that a
// page imports the room's link from one place:
//   live-env.js         Env, browserEnv, backoffDelay
//   live-connection.js  connection, LIVE_TIMING, bearerAuth, deleteResource, ...
//   live-refusal.js     readRefusal, refusalKind, refusalRouter
//   live-events.js      eventFeed, EVENT_TYPES, roomMessages, parseReaction
//   live-room.js        parseState, holds
//   live-session.js     fetchSessionInfo, sessionPoller
//   live-channel.js     dataChannel: a member's data channel

export * from "./live-env.js";
export * from "./live-connection.js";
export * from "./live-refusal.js";
export * from "./live-events.js";
export * from "./live-room.js";
export * from "./live-session.js";
export * from "./live-channel.js";
