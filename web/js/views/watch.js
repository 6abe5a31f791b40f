// The watch page: player, title, channel, views, like / dislike, description, comments.

import { api } from "../api.js";
import { notify, showError } from "../alerts.js";
import { h, icon } from "../dom.js";
import { ago, count, displayName, fullDate, fullViews } from "../format.js";
import { createPlayer } from "../player.js";
import { currentUser } from "../session.js";
import { commentsSection } from "../comments.js";
import { channelLink, signInHref, statusBadge } from "../components.js";

const POLL_MS = 2000;

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

function ratingBar(video, navigate) {
  let state = {
    likeCount: Number(video.likeCount) || 0,
    dislikeCount: Number(video.dislikeCount) || 0,
    myRating: video.myRating || "none",
  };
  const likeCountEl = h("span.rating-count");
  const dislikeCountEl = h("span.rating-count");
  const like = h("button.rating-button.rating-like", { type: "button" }, icon("like"), likeCountEl);
  const dislike = h("button.rating-button.rating-dislike", { type: "button" }, icon("dislike"), dislikeCountEl);

  function paint() {
    likeCountEl.textContent = count(state.likeCount);
    dislikeCountEl.textContent = count(state.dislikeCount);
    like.setAttribute("aria-pressed", String(state.myRating === "like"));
    dislike.setAttribute("aria-pressed", String(state.myRating === "dislike"));
    like.setAttribute("aria-label", `Like (${state.likeCount} ${state.likeCount === 1 ? "like" : "likes"})`);
    dislike.setAttribute("aria-label", `Dislike (${state.dislikeCount} ${state.dislikeCount === 1 ? "dislike" : "dislikes"})`);
  }

  async function rate(choice) {
    if (!currentUser()) {
      notify("Sign in to rate videos.", { kind: "info" });
      navigate(signInHref());
      return;
    }
    const rating = state.myRating === choice ? "none" : choice;
    const before = state;
    // Optimistic: show the new rating at once, put it back if the API refuses.
    const next = { ...state, myRating: rating };
    if (before.myRating === "like") next.likeCount -= 1;
    if (before.myRating === "dislike") next.dislikeCount -= 1;
    if (rating === "like") next.likeCount += 1;
    if (rating === "dislike") next.dislikeCount += 1;
    state = next;
    paint();
    like.disabled = dislike.disabled = true;
    try {
      const answer = await api("PUT", `/like/${encodeURIComponent(video.id)}`, { body: { rating }, auth: "required" });
      state = { likeCount: answer.likeCount, dislikeCount: answer.dislikeCount, myRating: answer.myRating || "none" };
    } catch (error) {
      state = before;
      showError(error);
    } finally {
      like.disabled = dislike.disabled = false;
      paint();
    }
  }
  like.addEventListener("click", () => rate("like"));
  dislike.addEventListener("click", () => rate("dislike"));
  paint();
  return h("div.rating", { role: "group", "aria-label": "Rate this video" }, like, dislike);
}

function notReadyPanel(video) {
  const failed = video.status === "FAILED";
  return h("div.player-frame.player-pending", { role: "status" },
    h("div.pending-inner", {},
      failed ? null : h("div.spinner", { "aria-hidden": "true" }),
      h("p", {}, statusBadge(video.status)),
      h("p", {}, failed
        ? `Processing failed${video.failureReason ? `: ${video.failureReason}` : "."}`
        : video.status === "UPLOADING" ? "Waiting for the upload to finish…" : "Transcoding the video… this page updates by itself.")));
}

export async function renderWatch({ main, params, signal, navigate }) {
  const [videoId] = params;
  let { video } = await api("GET", `/video/${encodeURIComponent(videoId)}`, { signal });
  document.title = `${video.title} - Tuber`;

  const page = h("div.page.watch");
  main.append(page);

  // Owner watching their own upload before it is ready: wait for it here.
  if (video.status !== "PUBLIC") {
    let pending = notReadyPanel(video);
    page.append(pending, h("h1.watch-title", {}, video.title));
    while (!signal.aborted && (video.status === "UPLOADING" || video.status === "PROCESSING")) {
      await sleep(POLL_MS, signal);
      if (signal.aborted) return;
      try {
        ({ video } = await api("GET", `/video/${encodeURIComponent(videoId)}`, { signal }));
      } catch (error) {
        if (!signal.aborted) showError(error);
        return;
      }
      const fresh = notReadyPanel(video);
      pending.replaceWith(fresh);
      pending = fresh;
    }
    if (signal.aborted || video.status !== "PUBLIC") return;
    page.replaceChildren();
  }

  const viewsEl = h("span.watch-views", {}, fullViews(video.viewCount));
  const when = video.publishedAt || video.createdAt;
  const me = currentUser();
  const owner = video.owner || {};
  const description = h("p.description-text", {}, video.description || "No description.");
  const descBox = h("div.description", {},
    h("p.description-meta", {}, viewsEl, h("span.dot", { "aria-hidden": "true" }, "•"),
      h("time", { datetime: when || "", title: fullDate(when) }, ago(when)),
      video.visibility !== "public" ? h("span.badge", {}, video.visibility) : null),
    description);

  const playerSlot = h("div.player-slot", {}, h("div.player-frame"));
  const primary = h("div.watch-primary", {},
    playerSlot,
    h("h1.watch-title", {}, video.title),
    h("div.watch-bar", {},
      h("div.watch-owner", {},
        h("span.avatar", { "aria-hidden": "true" }, displayName(owner).slice(0, 1).toUpperCase()),
        h("div", {}, channelLink(owner, { class: "watch-channel" }),
          me && owner.id === me.id ? h("a.small-link", { href: "#/me/videos" }, "Manage your videos") : null)),
      ratingBar(video, navigate)),
    descBox);
  page.append(primary);

  const comments = commentsSection({ video, signal });
  primary.append(comments.element);

  // One view per page load.
  api("POST", `/video/${encodeURIComponent(video.id)}/view`, { signal })
    .then((answer) => { if (answer && answer.viewCount !== undefined) viewsEl.textContent = fullViews(answer.viewCount); })
    .catch((error) => { if (!signal.aborted && error.status >= 500) console.warn("view not recorded", error.code); });

  if (video.hlsUrl) {
    const player = await createPlayer({
      src: video.hlsUrl, poster: video.thumbnailUrl, title: video.title, signal,
      onError: (message) => notify(message, { kind: "error" }),
    });
    if (signal.aborted) return;
    playerSlot.replaceChildren(player.element);
    player.video.play().catch(() => { /* autoplay refused: the viewer presses play */ });
  } else {
    playerSlot.replaceChildren(h("div.player-frame.player-pending", {}, h("p", {}, "No playable stream for this video.")));
  }
  await comments.loaded;
}
