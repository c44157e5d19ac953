// A circle's recordings: the list, and a queue of uploads with a real
// progress bar for each file and one for the whole queue. Files go up one at
// a time, so a phone on a slow line gives each its full bandwidth and the
// server checks one at a time.

import { upload } from "./dashboard-api.js";
import { setAttr, setText } from "./shared.js";
import { durationPhrase } from "./dashboard-time.js";
import { button, clear, el, errorText, h, icon, say } from "./dashboard-ui.js";

// A finished upload's line stays this long: long enough to see it worked.
const DONE_LINGER_MS = 5000;
// Past this size a broken-off upload may be the server refusing it.
const LARGE_BYTES = 50 << 20;

// What the server's refusals mean, said first; its own message follows.
const REFUSED = {
  413: "This file is too large.",
  415: "Hearth can’t play this kind of file.",
  422: "This file couldn’t be read as audio.",
};

// library wires the recordings card of the group view. onAdded(media) hears
// each recording an upload adds, while its circle is on screen.
export function library({ onAdded }) {
  let groupId = "";
  let queue = []; // {file, row, state, sent, total, abort}
  let running = false;
  let hasMedia = false;

  el("upload-input").addEventListener("change", (e) => {
    const files = [...e.target.files];
    e.target.value = ""; // so the same file can be chosen again
    if (files.length) enqueue(files);
  });

  function enqueue(files) {
    el("upload-box").hidden = false;
    for (const file of files) {
      const item = { file, gid: groupId, state: "waiting", sent: 0, total: file.size || 1, abort: null, error: "" };
      item.row = queueRow(item);
      el("upload-queue").append(item.row.node);
      queue.push(item);
    }
    renderQueue();
    pump();
  }

  function queueRow(item) {
    const name = h("span", { class: "row-title", text: item.file.name });
    const state = h("span", { class: "row-meta", text: "Waiting" });
    const fill = h("div", { class: "meter-fill" });
    const bar = h(
      "div",
      {
        class: "meter",
        role: "progressbar",
        "aria-label": `Upload of ${item.file.name}`,
        "aria-valuemin": "0",
        "aria-valuemax": "100",
        "aria-valuenow": "0",
        testid: "upload-item-progress",
      },
      fill,
    );
    const cancel = button("Cancel", { cls: "button quiet small", label: `Cancel the upload of ${item.file.name}` });
    cancel.addEventListener("click", () => {
      if (item.state === "waiting") {
        item.state = "cancelled";
        renderQueue();
      } else if (item.state === "uploading" && item.abort) {
        item.abort();
      } else {
        dismiss(item);
      }
    });
    const node = h(
      "li",
      { class: "upload-item", testid: "upload-item" },
      h("div", { class: "row-main" }, name, state, bar),
      cancel,
    );
    return { node, state, bar, fill, cancel };
  }

  async function pump() {
    if (running) return;
    running = true;
    for (;;) {
      const item = queue.find((q) => q.state === "waiting");
      if (!item) break;
      const gid = item.gid;
      item.state = "uploading";
      renderQueue();
      const job = upload(gid, item.file, "", {
        onProgress(sent, total) {
          item.sent = sent;
          item.total = total || item.total;
          renderQueue();
        },
        onSent() {
          item.state = "checking";
          item.sent = item.total;
          renderQueue();
        },
      });
      item.abort = job.abort;
      try {
        const media = await job.promise;
        item.state = "done";
        item.sent = item.total;
        item.media = media;
        if (gid === groupId && onAdded) onAdded(media);
        // It is in the list of recordings now; its line here goes soon.
        setTimeout(() => dismiss(item), DONE_LINGER_MS);
      } catch (err) {
        if (err.status === 0 && err.message === "Cancelled.") {
          item.state = "cancelled";
        } else if (err.status === 0) {
          // The connection broke off. A server refusing a file that is too
          // large can look the same from here, before it has all been sent.
          item.state = "failed";
          item.error =
            item.file.size > LARGE_BYTES
              ? "The upload stopped before it finished. Please check your connection and try again. If it stops again, the file may be larger than this Hearth accepts."
              : "The upload stopped before it finished. Please check your connection and try again.";
        } else {
          item.state = "failed";
          const lead = REFUSED[err.status] || "";
          item.error = lead ? `${lead} ${errorText(err)}` : errorText(err);
        }
      }
      item.abort = null;
      renderQueue();
    }
    running = false;
    const done = queue.filter((q) => q.state === "done").length;
    const failed = queue.filter((q) => q.state === "failed").length;
    if (done && !failed) say(done === 1 ? "Your recording is ready." : `All ${done} recordings are ready.`);
    else if (failed) say(failed === 1 ? "One file couldn’t be added. The reason is next to it." : `${failed} files couldn’t be added. The reasons are next to them.`, "error");
  }

  // dismiss takes a finished line away (done, or failed and read).
  function dismiss(item) {
    if (!queue.includes(item) || item.state === "uploading" || item.state === "checking" || item.state === "waiting") return;
    queue = queue.filter((q) => q !== item);
    item.row.node.remove();
    renderQueue();
  }

  function renderQueue() {
    for (const q of queue) if (q.state === "cancelled") q.row.node.remove();
    queue = queue.filter((q) => q.state !== "cancelled");
    for (const item of queue) {
      const pct = item.state === "done" || item.state === "checking" ? 100 : Math.floor((item.sent / item.total) * 100);
      setAttr(item.row.bar, "aria-valuenow", String(pct));
      item.row.fill.style.transform = `scaleX(${pct / 100})`;
      item.row.node.dataset.state = item.state;
      setText(item.row.state, itemState(item, pct));
      const label = item.row.cancel.querySelector("span");
      setText(label, item.state === "done" || item.state === "failed" ? "Hide" : "Cancel");
      setAttr(item.row.cancel, "aria-label", `${item.state === "done" || item.state === "failed" ? "Hide" : "Cancel"} ${item.file.name}`);
      item.row.cancel.hidden = item.state === "checking";
    }
    const active = queue.filter((q) => q.state !== "failed");
    const total = active.reduce((n, q) => n + q.total, 0);
    const sent = active.reduce((n, q) => n + (q.state === "done" || q.state === "checking" ? q.total : q.sent), 0);
    const pct = total ? Math.floor((sent / total) * 100) : 0;
    const bar = el("upload-progress");
    // With nothing going up, only failures are left to read: no bar.
    bar.hidden = !queue.some((q) => q.state === "waiting" || q.state === "uploading" || q.state === "checking");
    setAttr(bar, "aria-valuenow", String(pct));
    setAttr(bar, "aria-valuetext", `${pct}%`);
    el("upload-progress-fill").style.transform = `scaleX(${pct / 100})`;
    setText(el("upload-summary"), summary(pct));
    el("upload-box").hidden = queue.length === 0;
    el("library-empty").hidden = hasMedia || queue.length > 0;
  }

  function itemState(item, pct) {
    switch (item.state) {
      case "waiting":
        return "Waiting";
      case "uploading":
        return `Uploading · ${pct}%`;
      case "checking":
        return "Checking the sound…";
      case "done":
        return item.media ? `Ready · ${durationPhrase(item.media.duration_ms)}` : "Ready";
      case "failed":
        return item.error;
      default:
        return "";
    }
  }

  function summary(pct) {
    const n = queue.length;
    const current = queue.find((q) => q.state === "uploading" || q.state === "checking");
    const done = queue.filter((q) => q.state === "done").length;
    if (current) {
      const i = queue.indexOf(current) + 1;
      const of = n > 1 ? ` ${i} of ${n}` : "";
      return current.state === "checking"
        ? `Checking the sound of recording${of}…`
        : `Uploading recording${of} · ${pct}% altogether`;
    }
    const failed = queue.filter((q) => q.state === "failed").length;
    if (failed && done === 0) return failed === 1 ? "This file couldn’t be added:" : "These files couldn’t be added:";
    if (failed) return `${done} added, ${failed} couldn’t be added:`;
    return n === 1 ? "Added to your recordings." : `All ${n} added to your recordings.`;
  }

  // show fills the list for a group.
  function show(gid, media) {
    if (gid !== groupId) {
      // Another circle: its queue is its own business; finished lines go.
      queue = queue.filter((q) => {
        if (q.state === "done" || q.state === "failed") {
          q.row.node.remove();
          return false;
        }
        return true;
      });
      groupId = gid;
      renderQueue();
    }
    const list = el("library-list");
    clear(list);
    hasMedia = media.length > 0;
    el("library-empty").hidden = hasMedia || queue.length > 0;
    for (const m of media) {
      list.append(
        h(
          "li",
          { class: "row-item", testid: "media-item" },
          icon("music", 22),
          h(
            "div",
            { class: "row-main" },
            h("span", { class: "row-title", text: m.title || "Untitled" }),
            h("span", { class: "row-meta", text: mediaMeta(m) }),
          ),
        ),
      );
    }
  }

  // busy reports whether files are still going up (leaving the page would
  // cut them off).
  function busyUploading() {
    return queue.some((q) => q.state === "uploading" || q.state === "waiting" || q.state === "checking");
  }

  return { show, busy: busyUploading };
}

export function mediaMeta(m) {
  const parts = [durationPhrase(m.duration_ms)];
  if (m.filename && m.filename !== m.title) parts.push(m.filename);
  return parts.join(" · ");
}
