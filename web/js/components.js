// Shared pieces of pages: video cards, paged grids, status badges, dialogs.

import { api } from "./api.js";
import { showError } from "./alerts.js";
import { h, icon } from "./dom.js";
import { ago, displayName, duration, views } from "./format.js";

export const STATUS_LABELS = {
  UPLOADING: "Uploading",
  PROCESSING: "Processing",
  PUBLIC: "Ready",
  FAILED: "Failed",
};

export function statusBadge(status) {
  const label = STATUS_LABELS[status] || status;
  return h(`span.badge.badge-${String(status).toLowerCase()}`, { "data-status": status }, label);
}

function placeholder() {
  return h("div.thumb-placeholder", { "aria-hidden": "true" }, icon("play"));
}

function thumbImage(url) {
  const img = h("img", { src: url, alt: "", loading: "lazy", decoding: "async" });
  // A thumbnail URL is signed for 1 to 5 minutes (docs/API.md, "Media"): one that expired
  // before it scrolled into view shows the placeholder; the next page load signs it anew.
  img.addEventListener("error", () => img.replaceWith(placeholder()), { once: true });
  return img;
}

export function thumbnail(video, { size = "card" } = {}) {
  const time = duration(video.durationSeconds);
  return h(`div.thumb.thumb-${size}`, {},
    video.thumbnailUrl ? thumbImage(video.thumbnailUrl) : placeholder(),
    time && video.status === "PUBLIC" ? h("span.thumb-time", { "aria-label": `Duration ${time}` }, time) : null,
    video.status && video.status !== "PUBLIC" ? h("span.thumb-status", {}, statusBadge(video.status)) : null);
}

export function channelLink(owner, props = {}) {
  if (!owner || !owner.id) return h("span", props, displayName(owner));
  const href = owner.username ? `#/@${encodeURIComponent(owner.username)}` : `#/channel/${encodeURIComponent(owner.id)}`;
  return h("a.channel-link", { href, ...props }, displayName(owner));
}

/** One video in a grid: thumbnail, title, channel, views and age. */
export function videoCard(video, { showOwner = true } = {}) {
  const href = `#/watch/${encodeURIComponent(video.id)}`;
  const when = video.publishedAt || video.createdAt;
  return h("article.card", { "data-video-id": video.id },
    h("a.card-thumb", { href, tabindex: "-1", "aria-hidden": "true" }, thumbnail(video)),
    h("div.card-body", {},
      showOwner ? h("span.avatar.avatar-small", { "aria-hidden": "true" },
        displayName(video.owner).slice(0, 1).toUpperCase()) : null,
      h("div.card-text", {},
        h("h2.card-title", {}, h("a", { href, title: video.title }, video.title)),
        showOwner ? h("p.card-meta", {}, channelLink(video.owner)) : null,
        h("p.card-meta", {}, h("span", {}, views(video.viewCount)), h("span.dot", { "aria-hidden": "true" }, "•"),
          h("time", { datetime: when || "" }, ago(when))))));
}

/**
 * A grid of videos from a paged endpoint with a "More" button while nextCursor is set.
 * Returns {element, loaded} where loaded resolves after the first page.
 */
export function pagedGrid({ path, query = {}, signal, empty, label, card = videoCard, auth }) {
  const grid = h("div.grid", { role: "list", "aria-label": label });
  const more = h("button.button.button-wide", { type: "button" }, "More videos");
  const status = h("p.visually-hidden", { role: "status" });
  const footer = h("div.grid-footer", {}, more, status);
  footer.hidden = true;
  const element = h("div", {}, grid, footer);
  let cursor = null;

  async function load() {
    more.disabled = true;
    more.textContent = "Loading…";
    try {
      const page = await api("GET", path, { query: { ...query, cursor, limit: 24 }, signal, auth });
      for (const item of page.items || []) {
        const node = card(item);
        node.setAttribute("role", "listitem");
        grid.append(node);
      }
      cursor = page.nextCursor || null;
      if (!grid.children.length && empty) element.replaceChildren(empty());
      footer.hidden = !cursor;
      if (cursor !== null || (page.items || []).length) status.textContent = `${grid.children.length} videos shown`;
    } catch (error) {
      if (!signal || !signal.aborted) showError(error);
    } finally {
      more.disabled = false;
      more.textContent = "More videos";
    }
  }
  more.addEventListener("click", () => load());
  return { element, loaded: load(), reload: () => { grid.replaceChildren(); cursor = null; return load(); } };
}

export function emptyState(title, text, action) {
  return h("div.empty", {}, h("div.empty-icon", { "aria-hidden": "true" }, icon("videos")),
    h("h2", {}, title), text ? h("p", {}, text) : null, action || null);
}

/** A modal confirmation built on <dialog>; resolves true when confirmed. */
export function confirmDialog({ title, text, confirmLabel = "Delete", danger = true }) {
  return new Promise((resolve) => {
    const dialog = h("dialog.dialog", { "aria-labelledby": "confirm-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "confirm-title" }, title),
        text ? h("p", {}, text) : null,
        h("div.dialog-actions", {},
          h("button.button", { value: "cancel", type: "submit" }, "Cancel"),
          h(`button.button.${danger ? "button-danger" : "button-primary"}`, { value: "ok", type: "submit" }, confirmLabel))));
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("button[value=cancel]").focus();
  });
}

/** Redirect to sign in, coming back to the current page afterwards. */
export function signInHref(back = location.hash || "#/") {
  return `#/signin?next=${encodeURIComponent(back)}`;
}

/** A labelled bar for the transcode's progressPercent (indeterminate while it is null). */
export function processingBar(video, { id } = {}) {
  const pct = Number.isFinite(video.progressPercent) ? Math.max(0, Math.min(100, Math.round(video.progressPercent))) : null;
  const bar = h("progress.processing-progress", { id, max: 100, "aria-label": "Processing progress" });
  if (pct !== null) bar.value = pct;
  return h("div.progress-row.processing-row", { "data-progress": pct ?? "" },
    bar, h("span.progress-text", {}, pct === null ? "…" : `${pct}%`));
}

/** POST /video/{id}/retry: transcode a FAILED video again; resolves the video (PROCESSING). */
export async function retryVideo(videoId) {
  const answer = await api("POST", `/video/${encodeURIComponent(videoId)}/retry`, { auth: "required" });
  return answer.video;
}

function when(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString("en", { dateStyle: "medium", timeStyle: "short" });
}

/** "12.0 GB of 50.0 GB storage left · 49 of 50 uploads left today" from a quota object. */
export function quotaText(quota, bytes) {
  if (!quota) return "";
  const parts = [];
  const s = quota.storage || {};
  parts.push(s.limitBytes ? `${bytes(s.remainingBytes)} of ${bytes(s.limitBytes)} storage left` : "Unlimited storage");
  const d = quota.videosPerDay || {};
  parts.push(d.limit ? `${d.remaining} of ${d.limit} uploads left today` : "no daily upload limit");
  return parts.join(" · ");
}

/** The user-facing text of a 413 / 429 quota_exceeded error. */
export function quotaErrorText(error, bytes) {
  const details = error.details || {};
  if (details.quota === "videosPerDay") {
    const d = details.videosPerDay || {};
    const reset = d.resetsAt ? ` You can upload again from ${when(d.resetsAt)}.` : "";
    return `Daily upload limit reached: you have uploaded ${d.used ?? d.limit} of ${d.limit} videos today.${reset}`;
  }
  const s = details.storage || {};
  return `Not enough storage: ${bytes(s.remainingBytes)} left of ${bytes(s.limitBytes)}. `
    + "Delete some of your videos to free space, or choose a smaller file.";
}
