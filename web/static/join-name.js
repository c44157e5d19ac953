// @ts-check
// The one thing the join page may keep on the device: the display name, under
// NAME_KEY, and only when the person ticks "Remember my name on this device".
// The storage is handed in (the browser's in the page, a fake under node).

import { cleanName } from "./text.js";

const NAME_KEY = "hearth.name";

/**
 * @typedef {Pick<Storage, "getItem" | "setItem" | "removeItem">} NameStorage
 */

/**
 * nameStore remembers or forgets the name. storage() returns null, or
 * throws, where the browser blocks storage (private browsing, strict
 * settings): then nothing is kept, which is fine.
 * @param {() => NameStorage | null} storage
 */
export function nameStore(storage) {
  const open = () => {
    try {
      return storage();
    } catch {
      return null;
    }
  };
  return {
    /**
     * keep stores name when remember is on, and forgets any kept name when off.
     * @param {string} name
     * @param {boolean} remember
     */
    keep(name, remember) {
      const s = open();
      if (!s) return;
      try {
        if (remember && name) s.setItem(NAME_KEY, name);
        else s.removeItem(NAME_KEY);
      } catch {
        // Full or blocked: nothing is kept.
      }
    },
    /** @returns {string} the kept name, cleaned, or "" */
    recall() {
      const s = open();
      if (!s) return "";
      try {
        return cleanName(s.getItem(NAME_KEY) || "");
      } catch {
        return "";
      }
    },
  };
}
