// @ts-check
// Our own candles and hearts come back to us from the room: the page shows
// each one when it is sent, so the server's echo of it is skipped. No DOM
// here (join.test.js).

/**
 * ownEchoes remembers what we sent for windowMs, to recognise its echo.
 * @param {number} windowMs
 */
export function ownEchoes(windowMs) {
  /** @type {{kind: string, at: number}[]} */
  const sent = [];
  return {
    /**
     * @param {string} kind
     * @param {number} at  when, on the clock isEcho is given
     */
    sent(kind, at) {
      sent.push({ kind, at });
    },
    /**
     * isEcho tells whether a reaction from the room is the echo of one of
     * ours (and forgets that one, so a second like it is shown).
     * @param {string} kind
     * @param {string} name  who the room says sent it
     * @param {string} self  our display name
     * @param {number} now
     */
    isEcho(kind, name, self, now) {
      while (sent.length && now - sent[0].at > windowMs) sent.shift();
      if (name !== self) return false;
      const i = sent.findIndex((e) => e.kind === kind);
      if (i < 0) return false;
      sent.splice(i, 1);
      return true;
    },
  };
}
