// The host API as the dashboard uses it: JSON in and out, the sign-in cookie
// (HttpOnly, so this script never sees it) and the CSRF token that every
// change must carry in a header.
//
// The CSRF token lives in sessionStorage: it survives a reload and a phone
// putting the tab to sleep, which a volunteer on a phone does all the time,
// and it is gone when the tab is closed. It is not a password: it only proves
// that a request comes from this page and not from another site (which
// cannot read this origin's storage). Script running in this page could use
// the cookie anyway, so keeping the token in memory only would protect
// nothing more and would sign the host out on every reload. A tab without the
// token (a new tab, or a closed one reopened) asks for the password again.

const CSRF_KEY = "hearth.dashboard.csrf";

let csrf = readStored();
let onSignedOut = () => {};

function readStored() {
  try {
    return sessionStorage.getItem(CSRF_KEY) || "";
  } catch {
    return "";
  }
}

function store(token) {
  csrf = token || "";
  try {
    if (csrf) sessionStorage.setItem(CSRF_KEY, csrf);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // Private modes may refuse storage; the token still works in memory.
  }
}

export function hasCSRF() {
  return csrf !== "";
}

// signedInAuth is how a connection made outside api() (the host joining the
// room, dashboard-room.js) proves the sign-in: the cookie and the CSRF header.
export function signedInAuth() {
  return { headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
}

// whenSignedOut sets what happens when the server no longer knows us (the
// cookie expired, or the host signed out in another tab).
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

// ApiError carries the server's status and its message, which is written
// for people; retryAfter is in seconds when the server said.
export class ApiError extends Error {
  constructor(status, message, retryAfter) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

const OFFLINE = "We couldn’t reach Hearth. Please check your internet connection and try again.";

// api calls the host API and returns the JSON answer (null for an empty one).
// It throws ApiError for anything but a 2xx. opts.headers adds headers;
// opts.own401 keeps a 401 from counting as being signed out (the caller
// handles it).
export async function api(method, path, body, opts = {}) {
  const headers = Object.assign({ Accept: "application/json" }, opts.headers);
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, OFFLINE);
  }
  const text = await res.text().catch(() => "");
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (res.ok) return data;
  const message = data && typeof data.error === "string" ? data.error : `Something went wrong (${res.status}).`;
  const err = new ApiError(res.status, message, Number(res.headers.get("Retry-After")) || 0);
  if (!(opts.own401 && err.status === 401) && signedOut(err, path)) {
    onSignedOut();
    // What the view on screen shows of it: words for a person, not the API's.
    throw new ApiError(err.status, "You’re signed out. Please sign in again.", 0);
  }
  throw err;
}

// signedOut tells a lapsed sign-in from other refusals: 401 on anything but
// the sign-in itself, or the 403 the server gives a change without a valid
// CSRF token.
function signedOut(err, path) {
  if (path === "/api/v1/auth/login") return false;
  if (err.status === 401) return true;
  return err.status === 403 && /CSRF/i.test(err.message);
}

// signIn checks the password and keeps the CSRF token. It returns the host.
export async function signIn(username, password) {
  const res = await api("POST", "/api/v1/auth/login", { username, password });
  store(res && res.csrf_token);
  return res.host;
}

// signOut ends the server session; the token is forgotten either way.
export async function signOut() {
  try {
    await api("POST", "/api/v1/auth/logout");
  } finally {
    store("");
  }
}

export function forgetCSRF() {
  store("");
}

// me returns the signed-in host, or null when the cookie is missing or old.
export async function me() {
  try {
    const res = await fetch("/api/v1/auth/me", { credentials: "same-origin", cache: "no-store" });
    if (!res.ok) return null;
    const data = await res.json();
    return data && data.host ? data.host : null;
  } catch {
    throw new ApiError(0, OFFLINE);
  }
}

// upload sends one file into a group's library with XMLHttpRequest, which,
// unlike fetch, reports upload progress. onProgress(sent, total) hears the
// bytes; onSent() is called once all bytes are out and the server is checking
// the file. It returns {promise, abort}; the promise resolves with the media
// record or rejects with ApiError (status 0 when cancelled or offline).
export function upload(groupId, file, title, { onProgress, onSent } = {}) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    const form = new FormData();
    // The title goes before the file: the server reads the parts in order.
    if (title) form.append("title", title);
    form.append("file", file, file.name);
    xhr.open("POST", `/api/v1/groups/${encodeURIComponent(groupId)}/media`);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "text";
    xhr.upload.addEventListener("progress", (e) => {
      if (onProgress) onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    });
    xhr.upload.addEventListener("load", () => {
      if (onSent) onSent();
    });
    xhr.addEventListener("load", () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(data);
        return;
      }
      const message = data && typeof data.error === "string" ? data.error : `Something went wrong (${xhr.status}).`;
      const err = new ApiError(xhr.status, message, 0);
      if (signedOut(err, "")) onSignedOut();
      reject(err);
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, OFFLINE)));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "Cancelled.")));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

// useAccountLink spends a setup or reset link (the account's new password)
// and keeps the CSRF token of the sign-in it starts. It returns the host.
export async function useAccountLink(token, username, password) {
  const res = await api("POST", `/api/v1/account-links/${encodeURIComponent(token)}`, { username, password });
  store(res && res.csrf_token);
  return res.host;
}
