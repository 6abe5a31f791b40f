// Adaptive HLS playback: hls.js where Media Source Extensions exist, the browser's native HLS
// otherwise (Safari, iOS). hls.js is vendored (web/vendor/) and loaded on first use.

import { h } from "./dom.js";

let hlsLoading = null;

function loadHls() {
  if (window.Hls) return Promise.resolve(window.Hls);
  if (!hlsLoading) {
    hlsLoading = new Promise((resolve) => {
      const script = document.createElement("script");
      script.src = new URL("../vendor/hls.min.js", import.meta.url).href;
      script.onload = () => resolve(window.Hls || null);
      script.onerror = () => { hlsLoading = null; resolve(null); };
      document.head.append(script);
    });
  }
  return hlsLoading;
}

function levelLabel(level) {
  if (level.height) return `${level.height}p`;
  if (level.bitrate) return `${Math.round(level.bitrate / 1000)} kbps`;
  return "Source";
}

// Media is served only with CloudFront signed cookies (docs/API.md, "Media"): the API sets
// them for this video's /hls/{id}/ folder, same origin, for 5 minutes. The player asks for
// fresh ones well before, again when the tab comes back from the background (timers are
// throttled there), and once on a 403 before giving up. hls.js (XHR/fetch, same origin) and
// native HLS (Safari: video.src) both send them: nothing to configure.
const COOKIE_REFRESH_MS = 3 * 60_000;

function keepCookiesFresh(refresh, signal) {
  if (!refresh) return { now: () => Promise.resolve(false) };
  let last = Date.now();
  let pending = null;
  const now = () => {
    if (!pending) {
      pending = Promise.resolve().then(refresh).then(() => { last = Date.now(); return true; })
        .catch(() => false).finally(() => { pending = null; });
    }
    return pending;
  };
  const timer = setInterval(now, COOKIE_REFRESH_MS);
  const onVisible = () => {
    if (document.visibilityState === "visible" && Date.now() - last > COOKIE_REFRESH_MS / 2) now();
  };
  document.addEventListener("visibilitychange", onVisible);
  const stop = () => { clearInterval(timer); document.removeEventListener("visibilitychange", onVisible); };
  if (signal) signal.addEventListener("abort", stop, { once: true });
  return { now, stop };
}

/**
 * Build a player for `src` (a master playlist). Returns {element, video, destroy}.
 * refresh() renews the playback cookies (POST /video/{id}/playback); onError(message) is
 * called for playback failures the player cannot recover from.
 */
export async function createPlayer({ src, poster, title, signal, onError, refresh }) {
  const video = h("video.player-video", {
    controls: true, playsinline: true, preload: "metadata", poster: poster || null,
    "aria-label": `Video: ${title}`,
  });
  const quality = h("select.quality-select", { id: "quality", "aria-label": "Quality", disabled: true },
    h("option", { value: "-1" }, "Auto"));
  const qualityBox = h("div.quality", {}, h("label", { for: "quality" }, "Quality"), quality);
  const element = h("div.player", {}, h("div.player-frame", {}, video), qualityBox);
  let hls = null;

  const Hls = await loadHls();
  if (signal && signal.aborted) return { element, video, destroy() {} };
  const cookies = keepCookiesFresh(refresh, signal);
  let forbiddenRetries = 0;

  if (Hls && Hls.isSupported()) {
    hls = new Hls({ capLevelToPlayerSize: false, enableWorker: true });
    let mediaRecoveries = 0;
    hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
      const levels = data.levels.map((level, index) => ({ level, index }))
        .sort((a, b) => (b.level.height || b.level.bitrate) - (a.level.height || a.level.bitrate));
      quality.replaceChildren(h("option", { value: "-1" }, "Auto"),
        ...levels.map(({ level, index }) => h("option", { value: String(index) }, levelLabel(level))));
      quality.disabled = levels.length < 2;
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => {
      const auto = quality.options[0];
      const level = hls.levels[data.level];
      auto.textContent = hls.autoLevelEnabled && level ? `Auto (${levelLabel(level)})` : "Auto";
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.response && data.response.code === 403 && forbiddenRetries < 1) {
        // The cookies expired (a long pause, a sleeping laptop): renew them, carry on.
        forbiddenRetries += 1;
        cookies.now().then((renewed) => {
          if (!renewed || !hls) return onError?.("This video could not be played (access expired).");
          if (data.details === "manifestLoadError") hls.loadSource(src);
          hls.startLoad();
        });
        return;
      }
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
        mediaRecoveries += 1;
        hls.recoverMediaError();
      } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR && data.details !== "manifestLoadError" && mediaRecoveries < 2) {
        mediaRecoveries += 1;
        hls.startLoad();
      } else {
        onError?.(`This video could not be played (${data.details}).`);
        hls.destroy();
        hls = null;
      }
    });
    quality.addEventListener("change", () => {
      if (!hls) return;
      const index = Number(quality.value);
      // currentLevel switches at once (flushing the buffer), as a viewer choosing a quality expects.
      hls.currentLevel = index;
      if (index === -1) quality.options[0].textContent = "Auto";
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    // Native HLS picks the quality itself.
    video.src = src;
    qualityBox.hidden = true;
  } else {
    qualityBox.hidden = true;
    onError?.("Your browser cannot play HLS video.");
  }

  video.addEventListener("error", () => {
    if (hls || !video.error) return;
    if (video.getAttribute("src") && forbiddenRetries < 1) {
      // Native HLS does not say why; renew the cookies once and resume where it stopped.
      forbiddenRetries += 1;
      const at = video.currentTime;
      cookies.now().then((renewed) => {
        if (!renewed) return onError?.("This video could not be played.");
        video.src = src;
        video.addEventListener("loadedmetadata", () => { video.currentTime = at; }, { once: true });
      });
      return;
    }
    onError?.("This video could not be played.");
  });
  // Playing again after a good while: the next segments need live cookies.
  video.addEventListener("playing", () => { forbiddenRetries = 0; });

  const destroy = () => {
    if (hls) hls.destroy();
    hls = null;
    cookies.stop?.();
    video.removeAttribute("src");
  };
  if (signal) signal.addEventListener("abort", destroy, { once: true });
  return { element, video, destroy };
}
