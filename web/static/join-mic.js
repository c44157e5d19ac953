// @ts-check
// The member's microphone: the stream (kept across reconnections), whether
// the person wants to be heard, and whether the track was lost (another app
// took it, the system stopped it). A hold of the host's keeps the track
// disabled whatever the person chose; the page says why (join-words.js).

/**
 * microphone follows one MediaStream from getUserMedia at a time.
 * @param {object} o
 * @param {{mic: MediaStream | null}} o.hearth    mirrors the stream for tests
 * @param {() => boolean} o.held                  a hold keeps the microphone off
 * @param {(msg: any) => boolean} o.send          tells the server (the data channel)
 * @param {() => void} o.lost                     the track ended under us
 * @param {() => void} o.stopped                  stop() let go of the stream
 * @param {() => void} o.changed                  set() turned it on or off
 */
export function microphone({ hearth, held, send, lost, stopped, changed }) {
  /** @type {MediaStream | null} */
  let stream = null;
  let on = false; // the person wants to be heard
  let gone = false; // the track ended

  /** @returns {MediaStreamTrack | null} the stream's track while it is live */
  function track() {
    const t = stream && stream.getAudioTracks()[0];
    return t && t.readyState === "live" ? t : null;
  }

  /**
   * use takes a new stream (stopping the one before), disabled unless the
   * person wants to be heard and nothing holds it.
   * @param {MediaStream} next
   */
  function use(next) {
    if (stream && stream !== next) stream.getTracks().forEach((t) => t.stop());
    stream = next;
    hearth.mic = next;
    gone = false;
    const t = next.getAudioTracks()[0];
    if (!t) return;
    t.enabled = on && !held();
    t.addEventListener("ended", () => {
      if (stream !== next) return;
      gone = true;
      if (on) {
        on = false;
        send({ type: "mute", muted: true });
      }
      lost();
    });
  }

  function stop() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    hearth.mic = null;
    on = false;
    gone = false;
    stopped();
  }

  /**
   * set turns our voice on or off. The track is disabled when off, so the
   * browser sends silence even before the server hears about it.
   * @param {boolean} next
   * @param {boolean} tellServer
   */
  function set(next, tellServer) {
    on = next;
    const t = track();
    if (t) t.enabled = next && !held();
    if (tellServer) send({ type: "mute", muted: !next });
    changed();
  }

  return {
    use,
    stop,
    set,
    track,
    stream: () => stream,
    isOn: () => on,
    isLost: () => gone,
  };
}

/** @typedef {ReturnType<typeof microphone>} Microphone */
