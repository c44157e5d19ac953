// @ts-check
// Microphone help, in plain words for the device in hand: why the page could
// not use the microphone, and how to let it. No DOM here, so that node tests
// read every sentence (join.test.js); join.js shows them.

/**
 * platformOf names the kind of device from what the browser says of itself:
 * "ios" (an iPadOS Safari calls itself a Mac with a touch screen), "android",
 * "mac-safari" or "desktop".
 * @param {string} ua            navigator.userAgent
 * @param {string} platform      navigator.platform
 * @param {number} touchPoints   navigator.maxTouchPoints
 * @returns {"ios" | "android" | "mac-safari" | "desktop"}
 */
export function platformOf(ua, platform, touchPoints) {
  ua = ua || "";
  if (/iPad|iPhone|iPod/.test(ua) || (platform === "MacIntel" && touchPoints > 1)) return "ios";
  if (/Android/i.test(ua)) return "android";
  if (/Macintosh/.test(ua) && /Safari/.test(ua) && !/Chrome|Chromium|Firefox|Edg/.test(ua)) return "mac-safari";
  return "desktop";
}

/**
 * micHelp says why the microphone could not be used, from getUserMedia's
 * error name ("Unsupported" when the browser has no getUserMedia), and how to
 * allow it on this kind of device.
 * @param {string | undefined} errName
 * @param {ReturnType<typeof platformOf>} platform
 * @returns {{why: string, how: string}}
 */
export function micHelp(errName, platform) {
  if (errName === "Unsupported") {
    return { why: "This browser can’t use a microphone on this page.", how: "Opening the link in Safari or Chrome may help." };
  }
  if (errName === "NotFoundError" || errName === "OverconstrainedError") {
    return {
      why: "We couldn’t find a microphone on this device.",
      how: "If you use a headset, check it is plugged in, then press Join with microphone again.",
    };
  }
  if (errName === "NotReadableError" || errName === "AbortError") {
    return {
      why: "Your microphone seems to be busy. Another app or a call may be using it.",
      how: "Close that app, then press Join with microphone again.",
    };
  }
  const why = "Your browser didn’t let this page use the microphone.";
  switch (platform) {
    case "ios":
      return { why, how: "To allow it: tap the “aA” button in the address bar, then Website Settings, and set Microphone to Allow. Then press Join with microphone again." };
    case "android":
      return { why, how: "To allow it: tap the icon to the left of the web address, then Permissions, and turn on Microphone. Then press Join with microphone again." };
    case "mac-safari":
      return { why, how: "To allow it: in the Safari menu choose Settings for This Website, and set Microphone to Allow. Then press Join with microphone again." };
    default:
      return { why, how: "To allow it: click the icon at the left of the address bar and allow the microphone. Then press Join with microphone again." };
  }
}
