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

/**
 * Build a player for `src` (a master playlist). Returns {element, video, destroy}.
 * onError(message) is called for playback failures the player cannot recover from.
 */
export async function createPlayer({ src, poster, title, signal, onError }) {
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
    if (!hls && video.error) onError?.("This video could not be played.");
  });

  const destroy = () => {
    if (hls) hls.destroy();
    hls = null;
    video.removeAttribute("src");
  };
  if (signal) signal.addEventListener("abort", destroy, { once: true });
  return { element, video, destroy };
}
