// @ts-check
// The member's raised hand. The person's own change shows at once; a roster
// from the room then decides, except one sent before the server took that
// change (it still says the old), for a short while. No DOM (join.test.js).

/**
 * hand follows whether our hand is raised.
 * @param {number} settleMs  how long a roster that disagrees is put down to
 *   being older than our change
 */
export function hand(settleMs) {
  let raised = false;
  /** @type {boolean | null} what we last asked for, until the roster agrees */
  let pending = null;
  let changedAt = -Infinity;
  return {
    raised: () => raised,
    /**
     * asked: we told the server the hand is now up (or down).
     * @param {boolean} next
     * @param {number} now
     */
    asked(next, now) {
      raised = next;
      pending = next;
      changedAt = now;
    },
    /** lowered: the host lowered it, or we left the room. */
    lowered() {
      raised = false;
      pending = null;
    },
    /**
     * fromRoster takes our own row's hand from a roster.
     * @param {boolean} inRoster
     * @param {number} now
     */
    fromRoster(inRoster, now) {
      if (pending !== null && (inRoster === pending || now - changedAt > settleMs)) pending = null;
      if (pending === null) raised = inRoster;
    },
  };
}

/** @typedef {ReturnType<typeof hand>} Hand */
