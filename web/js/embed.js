// The embed page (/embed/{videoId}[?t=<seconds>][&autoplay=1]): the player alone, for other
// sites' iframes. It asks GET /video/{videoId}/embed as an anonymous viewer (an iframe on
// another site has no Tuber session), so it shows what anyone may see; a private, removed or
// unknown video gets a message and no media is requested.
//
// Media: the watch page plays with CloudFront signed cookies, which a cross-site iframe does
// not send (third-party cookies: blocked by Safari and Chrome). The API gives the embed the
// same signature as a query string (Policy, Signature, Key-Pair-Id) and hls.js appends it to
// every playlist and segment request of this video (xhrSetup); CloudFront accepts it there.
// Browsers that play HLS natively without Media Source (iOS before 17.1) cannot add it to the
// requests they make themselves: they get a link to watch on Tuber instead.

import { api } from "./api.js";
import { parseTime } from "./chapters.js";
import { h } from "./dom.js";
import { createPlayer } from "./player.js";
import { countView } from "./viewing.js";

const main = document.getElementById("embed");
const videoId = decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop() || "");
const params = new URLSearchParams(location.search);
const startAt = parseTime(params.get("t"));
const autoplay = params.get("autoplay") === "1";
// The page lives as long as the iframe: nothing ever aborts it (the player and the view
// counter take a signal all the same).
const { signal } = new AbortController();

/** The watch page of this video on the site serving the embed (its folder's parent). */
function watchHref(seconds = 0) {
  const at = Math.floor(Number(seconds) || 0);
  return new URL(`../#/watch/${encodeURIComponent(videoId)}${at > 0 ? `?t=${at}` : ""}`, location.href).href;
}

function show(...children) {
  main.replaceChildren(...children);
  main.removeAttribute("aria-busy");
}

function message(text, { link = true } = {}) {
  document.title = "Video unavailable - Tuber";
  show(h("div.embed-message-box", {},
    h("p.embed-message", { role: "alert" }, text),
    link ? h("a.embed-link", { href: new URL("../", location.href).href, target: "_blank", rel: "noopener" }, "Go to Tuber") : null));
}

function playsWithSignature() {
  // hls.js needs Media Source (or Apple's Managed Media Source) to make the requests itself.
  return Boolean(window.MediaSource || window.ManagedMediaSource);
}

async function load() {
  let answer;
  try {
    answer = await api("GET", `/video/${encodeURIComponent(videoId)}/embed`, { auth: "none", signal });
  } catch (error) {
    if (error.status === 404) return message("This video is unavailable. It may be private or removed.");
    if (error.code === "video_not_playable") return message("This video is not ready to play yet.");
    return message("This video could not be loaded. Try again later.");
  }
  const { video } = answer;
  let playback = answer.playback;
  document.title = `${video.title} - Tuber`;
  const watchLink = h("a.embed-title", { href: watchHref(), target: "_blank", rel: "noopener" },
    h("span.visually-hidden", {}, "Watch on Tuber: "), video.title);
  // The link follows the position, so it opens the watch page where the viewer is.
  const header = h("header.embed-header", {}, watchLink,
    h("span.embed-owner", {}, (video.owner && video.owner.displayName) || ""));
  if (!playsWithSignature()) {
    show(header, h("div.embed-message-box", {},
      h("p.embed-message", {}, "This browser cannot play embedded videos."),
      h("a.embed-link", { href: watchHref(startAt), target: "_blank", rel: "noopener" }, "Watch on Tuber")));
    return;
  }
  // This video's media folder: the signature opens it and nothing else.
  const folder = playback.hlsUrl.slice(0, playback.hlsUrl.lastIndexOf("/") + 1);
  const signed = (url) => (url.startsWith(folder) && !/[?&]Signature=/.test(url)
    ? `${url}${url.includes("?") ? "&" : "?"}${playback.query}` : url);
  const player = await createPlayer({
    src: playback.hlsUrl, poster: video.thumbnailUrl, title: video.title, signal,
    duration: video.durationSeconds, captions: video.captions, chapters: video.chapters,
    startAt,
    // Seek-bar previews are sprites shown as CSS backgrounds: no way to sign them, so none.
    storyboardUrl: null,
    hlsConfig: { xhrSetup: (xhr, url) => { xhr.open("GET", signed(url), true); } },
    onError: (text) => message(`${text}`, { link: true }),
    // A new signature before this one ends (and once on a 403): the player calls it.
    refresh: async () => {
      const fresh = await api("GET", `/video/${encodeURIComponent(videoId)}/embed`, { auth: "none", signal });
      playback = fresh.playback;
    },
  });
  if (signal.aborted) return;
  show(header, player.element);
  const media = player.video;
  media.addEventListener("timeupdate", () => { watchLink.href = watchHref(media.currentTime); });
  countView(video, media, signal, () => {});
  if (autoplay) {
    // Browsers let a page start playing by itself only muted; the viewer unmutes.
    media.muted = true;
    media.play().catch(() => { /* refused anyway: the viewer presses play */ });
  }
}

load();
