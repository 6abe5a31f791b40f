// Watch history (`#/history`): the last watched first, each with where the viewer stopped
// (the watch page resumes there); remove one, clear all, pause / resume recording.

import { api } from "../api.js";
import { notify, showError } from "../alerts.js";
import { h } from "../dom.js";
import { ago, duration } from "../format.js";
import { currentUser } from "../session.js";
import { channelLink, confirmDialog, emptyState, signInHref, thumbnail } from "../components.js";

function progressText(entry) {
  if (entry.watched) return "Watched";
  const at = Number(entry.resumeAtSeconds) || 0;
  return at > 0 ? `Resume at ${duration(at)}` : "Not started";
}

export async function renderHistory({ main, signal, navigate }) {
  if (!currentUser()) { navigate(signInHref(), { replace: true }); return; }
  document.title = "History - Tuber";
  const list = h("ul.history-list", { "aria-label": "Watch history" });
  const more = h("button.button.button-wide", { type: "button", hidden: true }, "More");
  const pause = h("button.button", { type: "button" });
  const clearAll = h("button.button.button-danger", { type: "button" }, "Clear all watch history");
  const status = h("p.muted.history-status", { role: "status" });
  const empty = emptyState("No watch history", "Videos you watch show up here.");
  empty.hidden = true;
  main.append(h("section.page.history", {},
    h("header.page-header", {}, h("h1", {}, "History"), h("div.page-actions", {}, pause, clearAll)),
    status, list, empty, more));
  let cursor = null;
  let paused = false;

  function paintPaused() {
    pause.textContent = paused ? "Turn on watch history" : "Pause watch history";
    pause.setAttribute("aria-pressed", String(paused));
    status.textContent = paused ? "Watch history is paused: videos you watch are not recorded." : "";
  }
  function paintEmpty() { empty.hidden = list.children.length > 0; }

  function row(entry) {
    const video = entry.video;
    const href = `#/watch/${encodeURIComponent(video.id)}`;
    const remove = h("button.button.button-small", { type: "button", "aria-label": `Remove ${video.title} from history` }, "Remove");
    const total = Number(video.durationSeconds) || 0;
    const bar = h("progress.history-progress", { max: Math.max(1, Math.round(total)), "aria-hidden": "true" });
    bar.value = entry.watched ? bar.max : Math.round(Number(entry.positionSeconds) || 0);
    const li = h("li.history-entry", { "data-video-id": video.id },
      h("a.history-thumb", { href, tabindex: "-1", "aria-hidden": "true" }, thumbnail(video, { size: "small" }), bar),
      h("div.history-text", {},
        h("h2.history-title", {}, h("a", { href }, video.title)),
        h("p.card-meta", {}, channelLink(video.owner)),
        h("p.card-meta", {}, h("span.history-progress-text", {}, progressText(entry)),
          h("span.dot", { "aria-hidden": "true" }, "•"), `Watched ${ago(entry.lastWatchedAt)}`)),
      remove);
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      try {
        await api("DELETE", `/history/${encodeURIComponent(video.id)}`, { auth: "required" });
        li.remove();
        paintEmpty();
        notify(`Removed ${video.title} from your history.`, { kind: "info" });
      } catch (error) {
        remove.disabled = false;
        showError(error);
      }
    });
    return li;
  }

  async function load() {
    const page = await api("GET", "/history", { query: { limit: 30, cursor }, auth: "required", signal });
    paused = Boolean(page.paused);
    paintPaused();
    for (const entry of page.items || []) list.append(row(entry));
    cursor = page.nextCursor || null;
    more.hidden = !cursor;
    paintEmpty();
  }
  more.addEventListener("click", () => load().catch(showError));
  pause.addEventListener("click", async () => {
    pause.disabled = true;
    try {
      ({ paused } = await api("PUT", "/history/settings", { body: { paused: !paused }, auth: "required" }));
      paintPaused();
    } catch (error) { showError(error); } finally { pause.disabled = false; }
  });
  clearAll.addEventListener("click", async () => {
    const ok = await confirmDialog({ title: "Clear all watch history?", text: "Every video leaves your history, with its resume point.", confirmLabel: "Clear history" });
    if (!ok) return;
    try {
      await api("DELETE", "/history", { auth: "required" });
      list.replaceChildren();
      cursor = null;
      more.hidden = true;
      paintEmpty();
    } catch (error) { showError(error); }
  });
  await load();
}
