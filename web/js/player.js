// Adaptive HLS playback: hls.js where Media Source Extensions exist, the browser's native HLS
// otherwise (Safari, iOS). hls.js is vendored (web/vendor/) and loaded on first use.

import { createCaptions } from "./captions.js";
import { normalizeChapters } from "./chapters.js";
import { createControls } from "./controls.js";
import { h } from "./dom.js";
import { createAnnouncer, installShortcuts, showShortcutsHelp } from "./shortcuts.js";
import { loadStoryboard } from "./storyboard.js";

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
 * The last frame shown, painted over the video while the source is swapped (a blink of
 * black or of the poster otherwise). Removed once the video shows frames again.
 */
function freezeFrame(video) {
  if (video.readyState < 2 || !video.videoWidth) return () => {};
  const canvas = h("canvas.player-freeze", { width: video.videoWidth, height: video.videoHeight, "aria-hidden": "true" });
  try {
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  } catch {
    return () => {};
  }
  video.after(canvas);
  const thawOn = video.paused ? ["seeked", "loadeddata"] : ["playing"];
  let timer = null;
  const thaw = () => {
    clearTimeout(timer);
    canvas.remove();
    for (const type of thawOn) video.removeEventListener(type, thaw);
  };
  // The first events of the new source come before its frames: wait for a real one.
  video.addEventListener("emptied", () => {
    for (const type of thawOn) video.addEventListener(type, thaw);
  }, { once: true });
  timer = setTimeout(thaw, 8000);
  return thaw;
}

/**
 * Build a player for `src` (a master playlist). Returns {element, video, position(), reload(src),
 * setPending(names), setStoryboard(url), seek(seconds), onChapter(callback), captions,
 * announce(text), destroy}.
 * refresh() renews the playback cookies (POST /video/{id}/playback); onError(message) is
 * called for playback failures the player cannot recover from. `storyboardUrl` (a WebVTT of
 * sprite tiles) gives the seek bar its previews; `duration` (seconds) stands in until the
 * media says. `captions` and `chapters` are the video answer's; `startAt` (seconds) where
 * playback starts; `shortcuts` (default true) listens for the keyboard shortcuts on the
 * page until `signal` aborts; `onChapterButton(index)` makes the chapter name a button.
 * `hlsConfig`: more hls.js settings (the embed page's xhrSetup), the player's own win.
 */
export async function createPlayer({
  src, poster, title, signal, onError, refresh, storyboardUrl, duration,
  captions = [], chapters = [], startAt = null, shortcuts = true, onChapterButton = null, hlsConfig = {},
}) {
  const video = h("video.player-video", {
    playsinline: true, preload: "metadata", poster: poster || null,
    "aria-label": `Video: ${title}`,
  });
  const quality = h("select.quality-select", { id: "quality", "aria-label": "Quality", disabled: true },
    h("option", { value: "-1" }, "Auto"));
  const qualityBox = h("div.quality", {}, h("label", { for: "quality" }, "Quality"), quality);
  // Progressive publishing: higher rungs still encoding (watch.js polls and calls setPending).
  const pendingNote = h("p.player-note", { role: "status", hidden: true });
  // Focusable (not in the tab order): a click on the video puts the keyboard in the player.
  const frame = h("div.player-frame.player-custom", { tabindex: "-1" }, video);
  const announce = createAnnouncer(frame);
  const cc = createCaptions(video, { captions, announce });
  const controls = createControls(video, frame, { knownDuration: duration, extraButtons: [cc.element], onChapterButton });
  controls.setChapters(normalizeChapters(chapters));
  frame.append(cc.display, h("div.player-spinner", { "aria-hidden": "true" }, h("div.spinner")), controls.element);
  const help = h("button.button.button-ghost.shortcuts-button", { type: "button", "aria-haspopup": "dialog" }, "Keyboard shortcuts");
  help.addEventListener("click", () => showShortcutsHelp(help));
  const element = h("div.player", {}, frame, h("div.player-bar", {}, pendingNote, help, qualityBox));
  if (shortcuts) {
    installShortcuts({
      frame, announce, signal,
      actions: { ...controls.actions, toggleCaptions: () => cc.toggle(), help: () => { showShortcutsHelp(); } },
    });
  }
  let hls = null;
  let source = src;
  let reloadingAt = null;
  /** Where the viewer is, also while a reload swaps the source (Share's "Start at"). */
  const position = () => (reloadingAt ?? video.currentTime);
  // For diagnostics and tests: the hls.js instance in use (null with native HLS).
  Object.defineProperty(video, "hls", { get: () => hls, configurable: true });

  const Hls = await loadHls();
  if (signal && signal.aborted) {
    return { element, video, position, reload() {}, setPending() {}, setStoryboard() {}, seek() {}, onChapter() {}, captions: cc, announce, destroy() {} };
  }
  const cookies = keepCookiesFresh(refresh, signal);
  let forbiddenRetries = 0;

  const setStoryboard = async (url) => {
    if (!url) return;
    const cues = await loadStoryboard(url, { signal, renew: () => cookies.now() });
    if (!(signal && signal.aborted)) controls.setStoryboard(cues);
  };
  setStoryboard(storyboardUrl);

  // One hls.js instance per source load: a new master playlist (more rungs) needs a new one.
  const startHls = (url, { startPosition = -1, bandwidth, height = null, resume = false } = {}) => {
    hls = new Hls({
      ...hlsConfig,
      capLevelToPlayerSize: false, enableWorker: true, startPosition,
      // Captions are drawn by captions.js (its cues from CUES_PARSED).
      renderTextTracksNatively: false,
      ...(bandwidth ? { abrEwmaDefaultEstimate: bandwidth } : {}),
    });
    cc.attachHls(hls, Hls);
    let mediaRecoveries = 0;
    hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
      const levels = data.levels.map((level, index) => ({ level, index }))
        .sort((a, b) => (b.level.height || b.level.bitrate) - (a.level.height || a.level.bitrate));
      quality.replaceChildren(h("option", { value: "-1" }, "Auto"),
        ...levels.map(({ level, index }) => h("option", { value: String(index) }, levelLabel(level))));
      quality.disabled = levels.length < 2;
    });
    hls.once(Hls.Events.MANIFEST_PARSED, (_event, data) => {
      // After a reload (the options are rebuilt above): the quality the viewer chose, and play on if it was playing.
      const kept = height === null ? -1 : data.levels.findIndex((level) => level.height === height);
      if (kept >= 0) { hls.currentLevel = kept; quality.value = String(kept); }
      if (resume) video.play().catch(() => {});
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
          if (data.details === "manifestLoadError") hls.loadSource(source);
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
    hls.loadSource(url);
    hls.attachMedia(video);
  };

  if (Hls && Hls.isSupported()) {
    quality.addEventListener("change", () => {
      if (!hls) return;
      const index = Number(quality.value);
      // currentLevel switches at once (flushing the buffer), as a viewer choosing a quality expects.
      hls.currentLevel = index;
      if (index === -1) quality.options[0].textContent = "Auto";
    });
    startHls(src, { startPosition: startAt > 0 ? startAt : -1 });
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    // Native HLS picks the quality itself.
    video.src = src;
    if (startAt > 0) video.addEventListener("loadedmetadata", () => { video.currentTime = startAt; }, { once: true });
    qualityBox.hidden = true;
    cc.attachNative();
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
        video.src = source;
        video.addEventListener("loadedmetadata", () => { video.currentTime = at; }, { once: true });
      });
      return;
    }
    onError?.("This video could not be played.");
  });
  // Playing again after a good while: the next segments need live cookies.
  video.addEventListener("playing", () => { forbiddenRetries = 0; });

  /**
   * Load the master playlist again (`url`, e.g. with more rungs), keeping the position, the
   * play state and a quality the viewer chose. hls.js cannot add levels to a loaded
   * manifest, so a new instance takes over from where the old one was; the last frame stays
   * on screen meanwhile.
   */
  const reload = (url) => {
    source = url;
    const at = position();
    const resume = !video.paused && !video.ended;
    const started = resume || at > 0;
    // Until the new source is there the element reads 0: position() answers `at` meanwhile.
    if (started) {
      reloadingAt = at;
      video.addEventListener("canplay", () => { reloadingAt = null; }, { once: true });
    }
    if (hls) {
      const chosen = Number(quality.value) >= 0 ? hls.levels[Number(quality.value)] : null;
      const bandwidth = hls.bandwidthEstimate;
      freezeFrame(video);
      hls.destroy();
      hls = null;
      startHls(url, { startPosition: started ? at : -1, bandwidth: Number.isFinite(bandwidth) ? bandwidth : undefined,
        height: chosen ? chosen.height : null, resume });
    } else if (video.getAttribute("src")) {
      // Native HLS (Safari) reads the master playlist once: load it again, resume there.
      freezeFrame(video);
      video.src = url;
      video.addEventListener("loadedmetadata", () => {
        if (started) video.currentTime = at;
        if (resume) video.play().catch(() => {});
      }, { once: true });
    }
  };

  /** Names of the rungs still encoding: a note under the player while there are some. */
  const setPending = (names) => {
    const waiting = Array.isArray(names) && names.length > 0;
    pendingNote.hidden = !waiting;
    pendingNote.textContent = waiting ? "Higher quality is still processing" : "";
  };

  const destroy = () => {
    if (hls) hls.destroy();
    hls = null;
    cookies.stop?.();
    controls.destroy();
    cc.destroy();
    video.removeAttribute("src");
  };
  if (signal) signal.addEventListener("abort", destroy, { once: true });
  return {
    element, video, position, reload, setPending, setStoryboard, destroy, announce, captions: cc,
    /** Seek to `seconds` (a chapter, a timestamp in the description). */
    seek: (seconds) => controls.seekTo(seconds),
    onChapter: (callback) => controls.onChapter(callback),
  };
}
