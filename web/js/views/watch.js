// The watch page: player, title, channel, views, like / dislike, description (its
// timestamps seek), chapters, comments. `?t=` (seconds, or 1m30s / 1:30) starts playback
// there instead of at the viewer's resume point.

import { api } from "../api.js";
import { notify, showError } from "../alerts.js";
import { h, icon } from "../dom.js";
import { ago, count, displayName, duration as clock, fullDate, fullViews, views } from "../format.js";
import { createPlayer } from "../player.js";
import { chapterList, descriptionNodes, normalizeChapters, parseTime } from "../chapters.js";
import { shareButtons } from "../sharing.js";
import { taxonomyLinks } from "../discovery.js";
import { countView } from "../viewing.js";
import { reportHistory, resumeAt } from "../watch-history.js";
import { currentUser } from "../session.js";
import { commentsSection } from "../comments.js";
import { subscribeBox } from "../subscribe.js";
import { playlistPanel, saveButton } from "../playlists.js";
import { reportButton } from "../reports.js";
import { channelLink, processingBar, retryVideo, signInHref, statusBadge, thumbnail } from "../components.js";

const POLL_MS = 2000;
// While higher rungs are still encoding (pendingRenditions), how often to look for them.
const RENDITIONS_POLL_MS = 5000;

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
      like.disabled = dislike.disabled = video.ratingsEnabled === false;
      paint();
    }
  }
  like.addEventListener("click", () => rate("like"));
  dislike.addEventListener("click", () => rate("dislike"));
  paint();
  const group = h("div.rating", { role: "group", "aria-label": "Rate this video" }, like, dislike);
  if (video.ratingsEnabled === false) {
    // The owner turned ratings off: counts stay visible, the buttons do nothing.
    like.disabled = dislike.disabled = true;
    group.title = "Ratings are turned off for this video";
    group.setAttribute("aria-label", "Ratings are turned off for this video");
    return h("div.rating-box", {}, group, h("span.controls-off.ratings-off", {}, "Ratings are turned off"));
  }
  return group;
}

/** The player's place while a video is not PUBLIC; a FAILED one offers Retry (`onRetried`
 * gets the video the API answers, PROCESSING again). */
function notReadyPanel(video, onRetried) {
  const failed = video.status === "FAILED";
  let retry = null;
  if (failed) {
    retry = h("button.button.button-primary", { type: "button" }, "Retry");
    retry.addEventListener("click", async () => {
      retry.disabled = true;
      try {
        onRetried(await retryVideo(video.id));
      } catch (error) {
        retry.disabled = false;
        showError(error);
      }
    });
  }
  return h("div.player-frame.player-pending", { role: "status" },
    h("div.pending-inner", {},
      failed ? null : h("div.spinner", { "aria-hidden": "true" }),
      h("p", {}, statusBadge(video.status)),
      h("p", {}, failed
        ? `Processing failed${video.failureReason ? `: ${video.failureReason}` : "."}`
        : video.status === "UPLOADING" ? "Waiting for the upload to finish…"
          : `Transcoding the video${Number.isFinite(video.progressPercent) ? ` (${Math.round(video.progressPercent)}%)` : ""}… this page updates by itself.`),
      video.status === "PROCESSING" ? processingBar(video, { id: "processing-progress" }) : null,
      retry));
}

/** The owner's own video before it is ready: follow it here, retrying it if it failed.
 * Resolves the video once PUBLIC, or null when the page is left or cannot follow it. */
async function untilPublic(page, video, signal) {
  let panel = null;
  const show = (onRetried) => {
    const fresh = notReadyPanel(video, onRetried);
    if (panel) panel.replaceWith(fresh); else page.append(fresh, h("h1.watch-title", {}, video.title));
    panel = fresh;
  };
  while (!signal.aborted) {
    if (video.status === "PUBLIC") return video;
    if (video.status === "FAILED") {
      // Stay here until the owner retries (the answer is the video, PROCESSING again).
      video = await new Promise((resolve) => {
        show(resolve);
        signal.addEventListener("abort", () => resolve(null), { once: true });
      });
      if (!video) return null;
      continue;
    }
    show(null);
    await sleep(POLL_MS, signal);
    if (signal.aborted) return null;
    try {
      ({ video } = await api("GET", `/video/${encodeURIComponent(video.id)}`, { signal }));
    } catch (error) {
      if (!signal.aborted) showError(error);
      return null;
    }
  }
  return null;
}

/**
 * Progressive publishing: the video plays with its lowest rung while the others encode.
 * Poll GET /video/{id} while `pendingRenditions` lists some; when `renditions` grows the
 * player loads the master playlist again (the new rungs, same position). Stops when nothing
 * is pending, when the video is no longer there for this viewer, or when the page is left.
 */
async function followRenditions(video, player, signal) {
  const names = (v) => (v.renditions || []).map((r) => r.name).join(",");
  let known = names(video);
  let storyboard = video.storyboardUrl;
  let failures = 0;
  player.setPending(video.pendingRenditions);
  while (!signal.aborted && (video.pendingRenditions || []).length) {
    await sleep(RENDITIONS_POLL_MS, signal);
    if (signal.aborted) return;
    let fresh;
    try {
      ({ video: fresh } = await api("GET", `/video/${encodeURIComponent(video.id)}`, { signal }));
    } catch (error) {
      // Not there any more (deleted, made private) or repeatedly unreachable: stop quietly,
      // the viewer keeps what plays.
      if (signal.aborted || error.status === 404 || (failures += 1) >= 3) break;
      continue;
    }
    failures = 0;
    if (fresh.status !== "PUBLIC" || !fresh.hlsUrl) break;
    if (names(fresh) !== known && (fresh.renditions || []).length >= (video.renditions || []).length) {
      known = names(fresh);
      // A query of its own per ladder: a master playlist the browser cached is not reused.
      const url = new URL(fresh.hlsUrl, location.href);
      url.searchParams.set("renditions", String(fresh.renditions.length));
      player.reload(url.href);
    }
    if (fresh.storyboardUrl && fresh.storyboardUrl !== storyboard) {
      storyboard = fresh.storyboardUrl;
      player.setStoryboard(storyboard);
    }
    video = fresh;
    player.setPending(video.pendingRenditions);
  }
  if (!signal.aborted) player.setPending([]);
}

/** The sidebar: videos to watch next (beside the player on wide screens, below on phones). */
function upNext(currentId, signal) {
  const list = h("ol.up-next-list", { "aria-labelledby": "up-next-title" });
  const aside = h("aside.watch-secondary", { "aria-labelledby": "up-next-title" },
    h("h2.up-next-title", { id: "up-next-title" }, "Up next"), list);
  // Recommendations (same channel first, then popular); the plain feed if that fails.
  api("GET", `/video/${encodeURIComponent(currentId)}/recommended`, { query: { limit: 12 }, signal })
    .catch((error) => {
      if (signal.aborted) throw error;
      return api("GET", "/video", { query: { limit: 13 }, signal });
    })
    .then((page) => {
      const items = (page.items || []).filter((v) => v.id !== currentId).slice(0, 12);
      if (!items.length) aside.hidden = true;
      for (const v of items) {
        const href = `#/watch/${encodeURIComponent(v.id)}`;
        list.append(h("li.up-next", { "data-video-id": v.id },
          h("a.up-next-thumb", { href, tabindex: "-1", "aria-hidden": "true" }, thumbnail(v, { size: "small" })),
          h("div.up-next-text", {},
            h("h3.up-next-video", {}, h("a", { href, title: v.title }, v.title)),
            h("p.card-meta", {}, channelLink(v.owner)),
            h("p.card-meta", {}, views(v.viewCount), h("span.dot", { "aria-hidden": "true" }, "•"), ago(v.publishedAt || v.createdAt)))));
      }
    })
    .catch(() => { aside.hidden = true; });
  return aside;
}

export async function renderWatch({ main, params, query, signal, navigate }) {
  const [videoId] = params;
  let { video } = await api("GET", `/video/${encodeURIComponent(videoId)}`, { signal });
  document.title = `${video.title} - Tuber`;

  const page = h("div.page.watch");
  main.append(page);

  // Owner watching their own upload before it is ready: wait for it here.
  if (video.status !== "PUBLIC") {
    video = await untilPublic(page, video, signal);
    if (!video) return;
    page.replaceChildren();
  }

  const viewsEl = h("span.watch-views", {}, fullViews(video.viewCount));
  const when = video.publishedAt || video.createdAt;
  const me = currentUser();
  const owner = video.owner || {};
  const chapters = normalizeChapters(video.chapters);
  const startAt = parseTime(query.get("t"));
  // Timestamps and the chapter list seek once the player is there (and bring it into view).
  let player = null;
  const seekHere = (seconds) => {
    if (!player) return;
    player.seek(seconds);
    player.element.scrollIntoView({ block: "nearest", behavior: "smooth" });
    player.announce(`Jumped to ${clock(seconds)}`);
  };
  const hrefAt = (seconds) => `#/watch/${encodeURIComponent(video.id)}?t=${Math.floor(seconds)}`;
  const description = h("p.description-text", {}, video.description
    ? descriptionNodes(video.description, { onSeek: (s) => seekHere(s), hrefFor: hrefAt, length: Number(video.durationSeconds) || 0 })
    : "No description.");
  const chaptersBox = chapters.length ? chapterList(chapters, { onSeek: (s) => seekHere(s) }) : null;
  const descBox = h("div.description", {},
    h("p.description-meta", {}, viewsEl, h("span.dot", { "aria-hidden": "true" }, "•"),
      h("time", { datetime: when || "", title: fullDate(when) }, ago(when)),
      video.visibility !== "public" ? h("span.badge", {}, video.visibility) : null),
    description,
    chaptersBox ? chaptersBox.element : null,
    taxonomyLinks(video));

  const playerSlot = h("div.player-slot", {}, h("div.player-frame"));
  // The channel's subscriber count and button, once GET /channel answers.
  const channelSlot = h("div.watch-subscribe");
  if (owner.id) {
    api("GET", `/channel/${encodeURIComponent(owner.id)}`, { signal })
      .then(({ channel }) => channelSlot.replaceChildren(subscribeBox(channel, { navigate })))
      .catch(() => { /* a channel gone since: no button */ });
  }
  const primary = h("div.watch-primary", {},
    playerSlot,
    h("h1.watch-title", {}, video.title),
    h("div.watch-bar", {},
      h("div.watch-owner", {},
        h("span.avatar", { "aria-hidden": "true" }, displayName(owner).slice(0, 1).toUpperCase()),
        h("div", {}, channelLink(owner, { class: "watch-channel" }),
          me && owner.id === me.id ? h("a.small-link", { href: "#/me/videos" }, "Manage your videos") : null),
        channelSlot),
      h("div.watch-actions", {}, ratingBar(video, navigate), saveButton(video, navigate),
        shareButtons(video, () => (player ? player.position() : 0)),
        me && owner.id === me.id ? null : reportButton("video", video.id, "video", { navigate }))),
    descBox);
  page.append(primary, upNext(video.id, signal));

  const comments = commentsSection({ video, signal });
  primary.append(comments.element);

  if (video.hlsUrl) {
    player = await createPlayer({
      src: video.hlsUrl, poster: video.thumbnailUrl, title: video.title, signal,
      storyboardUrl: video.storyboardUrl, duration: video.durationSeconds,
      captions: video.captions, chapters, startAt,
      // The list is on the page: out of full screen first, or it could not be seen.
      onChapterButton: chaptersBox ? async () => {
        if (document.fullscreenElement) await document.exitFullscreen().catch(() => {});
        chaptersBox.focusCurrent();
      } : null,
      onError: (message) => notify(message, { kind: "error" }),
      // GET /video/{id} set the playback cookies; this renews them while the page is open.
      refresh: () => api("POST", `/video/${encodeURIComponent(video.id)}/playback`, { signal }),
    });
    if (signal.aborted) return;
    playerSlot.replaceChildren(player.element);
    countView(video, player.video, signal, (n) => { viewsEl.textContent = fullViews(n); });
    if (chaptersBox) player.onChapter((index) => chaptersBox.setCurrent(index));
    // A link at a time (?t=, a share link) wins over the resume point.
    resumeAt(startAt !== null ? { resumeAtSeconds: startAt } : video, player.video);
    reportHistory(video, player.video, signal);
    player.video.play().catch(() => { /* autoplay refused: the viewer presses play */ });
    followRenditions(video, player, signal);
    // ?list=: this video is one of a playlist's, played through in order.
    if (query.get("list")) {
      playlistPanel(query.get("list"), video.id, player.video, { signal, navigate }).then((panel) => {
        if (panel && !signal.aborted) page.querySelector(".watch-secondary")?.before(panel);
      });
    }
  } else {
    playerSlot.replaceChildren(h("div.player-frame.player-pending", {}, h("p", {}, "No playable stream for this video.")));
  }
  await comments.loaded;
}
