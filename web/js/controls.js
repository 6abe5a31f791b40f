// The player's own controls (play, seek bar with previews, time, volume, fullscreen), drawn
// over the video: the browser's built-in seek bar cannot show storyboard tiles.
//
// The seek bar is an ARIA slider: arrow keys step 5 s, Page Up / Page Down 10 % of the
// video, Home / End its ends. Chapters (chapters.js) cut it into segments, name the one
// playing next to the time (and in the slider's value text) and in the preview. The
// keyboard shortcuts are shortcuts.js's, acting through `actions`. Hovering it, dragging it, or stepping it with the keyboard shows
// the storyboard tile for that time (docs/API.md, "Media") with the time under it; the preview
// is decorative (aria-hidden): the slider's value text says the same.

import { h } from "./dom.js";
import { duration as clock } from "./format.js";
import { cueAt } from "./storyboard.js";
import { chapterAt } from "./chapters.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const GLYPHS = {
  play: "M8 5v14l11-7z",
  pause: "M6 19h4V5H6v14zm8-14v14h4V5h-4z",
  replay: "M12 5V1L7 6l5 5V7a6 6 0 1 1-6 6H4a8 8 0 1 0 8-8z",
  volume: "M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z",
  muted: "M16.5 12A4.5 4.5 0 0 0 14 8v2.2l2.5 2.5V12zM19 12c0 .9-.2 1.8-.5 2.6l1.5 1.5A9 9 0 0 0 14 3.2v2.1a7 7 0 0 1 5 6.7zM4.3 3 3 4.3 7.7 9H3v6h4l5 5v-6.7l4.3 4.3c-.7.5-1.4.9-2.3 1.2v2.1a9 9 0 0 0 3.7-1.8l2 2 1.3-1.3L4.3 3zM12 4 9.9 6.1 12 8.2V4z",
  fullscreen: "M7 14H5v5h5v-2H7v-3zm-2-4h2V7h3V5H5v5zm12 7h-3v2h5v-5h-2v3zM14 5v2h3v3h2V5h-5z",
  exitFullscreen: "M5 16h3v3h2v-5H5v2zm3-8H5v2h5V5H8v3zm6 11h2v-3h3v-2h-5v5zm2-11V5h-2v5h5V8h-3z",
  captions: "M19 4H5a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2zm-8 7H9.5v-.5h-2v3h2V13H11v1a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1h3a1 1 0 0 1 1 1v1zm7 0h-1.5v-.5h-2v3h2V13H18v1a1 1 0 0 1-1 1h-3a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1h3a1 1 0 0 1 1 1v1z",
};
const STEP_SECONDS = 5;
const IDLE_MS = 2500;
const KEY_PREVIEW_MS = 1200;

/** A control's icon (GLYPHS), hidden from assistive technology: the button has the name. */
export function glyph(name) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "icon");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", GLYPHS[name]);
  svg.append(path);
  return svg;
}

function setGlyph(button, name, label) {
  button.replaceChildren(glyph(name));
  button.setAttribute("aria-label", label);
  button.title = label;
}

const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

/**
 * Controls for `video` inside `frame` (the .player-frame). `knownDuration` (the API's
 * durationSeconds) stands in until the media says; `extraButtons` go before the full-screen
 * button (the CC control); `onChapterButton` makes the chapter name a button (e.g. to the
 * chapter list). Returns {element, actions, setStoryboard(cues), setChapters(chapters),
 * onChapter(callback(index)), destroy()}.
 */
export function createControls(video, frame, { knownDuration = 0, extraButtons = [], onChapterButton = null } = {}) {
  let cues = [];
  let chapters = [];
  let chapterIndex = -1;
  const chapterListeners = [];
  let dragging = false;
  let hideTimer = null;
  let idleTimer = null;
  const listeners = [];
  const listen = (target, type, handler, options) => {
    target.addEventListener(type, handler, options);
    listeners.push(() => target.removeEventListener(type, handler, options));
  };
  const length = () => (Number.isFinite(video.duration) && video.duration > 0
    ? video.duration : Number(knownDuration) || 0);

  // --- buttons -----------------------------------------------------------------------------
  const play = h("button.player-button.player-play", { type: "button" });
  const mute = h("button.player-button.player-mute", { type: "button" });
  const volume = h("input.player-volume", {
    type: "range", min: "0", max: "1", step: "0.05", value: String(video.volume), "aria-label": "Volume",
  });
  const full = h("button.player-button.player-fullscreen", { type: "button" });
  const time = h("span.player-time", { "aria-hidden": "true" }, "0:00 / 0:00");
  // The chapter playing: a button to the chapter list where there is one.
  const chapterName = h("span.player-chapter-title");
  const chapter = onChapterButton
    ? h("button.player-chapter", { type: "button", hidden: true }, h("span.visually-hidden", {}, "Chapter: "), chapterName)
    : h("span.player-chapter", { hidden: true }, h("span.visually-hidden", {}, "Chapter: "), chapterName);
  if (onChapterButton) chapter.addEventListener("click", () => onChapterButton(chapterIndex));

  // --- seek bar and its preview ------------------------------------------------------------
  const buffered = h("span.seek-buffered");
  const played = h("span.seek-played");
  const thumb = h("span.seek-thumb");
  const seek = h("div.seek", {
    role: "slider", tabindex: "0", "aria-label": "Seek", "aria-valuemin": "0",
    "aria-valuemax": "0", "aria-valuenow": "0", "aria-valuetext": "0:00 of 0:00",
  }, h("span.seek-track", {}, buffered, played), thumb);
  const gaps = h("span.seek-gaps", { "aria-hidden": "true" });
  seek.querySelector(".seek-track").append(gaps);
  const tile = h("div.seek-preview-image");
  const tileChapter = h("span.seek-preview-chapter", { hidden: true });
  const tileTime = h("span.seek-preview-time");
  const preview = h("div.seek-preview", { "aria-hidden": "true", hidden: true }, tile, tileChapter, tileTime);
  const bar = h("div.player-controls", {},
    h("div.seek-row", {}, seek, preview),
    h("div.control-row", {}, play, h("div.player-volume-box", {}, mute, volume), time, chapter,
      h("span.control-spacer"), ...extraButtons, full));

  const fractionAt = (clientX) => {
    const box = seek.getBoundingClientRect();
    return box.width ? clamp((clientX - box.left) / box.width, 0, 1) : 0;
  };

  function paintPosition(at) {
    const total = length();
    const fraction = total ? clamp(at / total, 0, 1) : 0;
    played.style.width = `${fraction * 100}%`;
    thumb.style.left = `${fraction * 100}%`;
    seek.setAttribute("aria-valuemax", String(Math.floor(total)));
    seek.setAttribute("aria-valuenow", String(Math.floor(at)));
    const index = chapterAt(chapters, at);
    const named = index >= 0 ? `, ${chapters[index].title}` : "";
    seek.setAttribute("aria-valuetext", `${clock(at)} of ${clock(total)}${named}`);
    time.textContent = `${clock(at)} / ${clock(total)}`;
    if (index !== chapterIndex) {
      chapterIndex = index;
      chapterName.textContent = index >= 0 ? chapters[index].title : "";
      chapter.hidden = index < 0;
      for (const listener of chapterListeners) listener(index);
    }
  }

  /** A gap in the seek bar at each chapter's start (but the first). */
  function paintChapters() {
    const total = length();
    gaps.replaceChildren(...(total ? chapters.slice(1) : [])
      .filter((c) => c.startSeconds > 0 && c.startSeconds < total)
      .map((c) => {
        const gap = h("span.seek-gap");
        gap.style.left = `${(c.startSeconds / total) * 100}%`;
        return gap;
      }));
  }

  function paintBuffered() {
    const total = length();
    let end = 0;
    for (let i = 0; i < video.buffered.length; i += 1) {
      if (video.buffered.start(i) <= video.currentTime + 0.5) end = Math.max(end, video.buffered.end(i));
    }
    buffered.style.width = total ? `${clamp(end / total, 0, 1) * 100}%` : "0";
  }

  /** The preview for time `at`, centred on `x` (px from the seek bar's left), kept inside. */
  function showPreview(at, x) {
    const cue = cueAt(cues, at);
    if (cue) {
      tile.hidden = false;
      tile.style.width = `${cue.w}px`;
      tile.style.height = `${cue.h}px`;
      tile.style.backgroundImage = `url("${cue.url.replace(/["\\]/g, "\\$&")}")`;
      tile.style.backgroundPosition = `${-cue.x}px ${-cue.y}px`;
      tile.dataset.cueStart = String(cue.start);
    } else {
      tile.hidden = true;
    }
    const index = chapterAt(chapters, at);
    tileChapter.hidden = index < 0;
    tileChapter.textContent = index >= 0 ? chapters[index].title : "";
    tileTime.textContent = clock(at);
    preview.hidden = false;
    const room = seek.getBoundingClientRect().width;
    const width = preview.getBoundingClientRect().width;
    preview.style.left = `${clamp(x - width / 2, 0, Math.max(0, room - width))}px`;
  }

  function hidePreview() {
    clearTimeout(hideTimer);
    preview.hidden = true;
  }

  function seekTo(at) {
    const total = length();
    if (!total) return;
    video.currentTime = clamp(at, 0, Math.max(0, total - 0.05));
    paintPosition(video.currentTime);
  }

  listen(seek, "pointermove", (event) => {
    const fraction = fractionAt(event.clientX);
    const box = seek.getBoundingClientRect();
    if (dragging) paintPosition(fraction * length());
    showPreview(fraction * length(), event.clientX - box.left);
  });
  listen(seek, "pointerleave", () => { if (!dragging) hidePreview(); });
  listen(seek, "pointerdown", (event) => {
    if (event.button !== 0) return;
    dragging = true;
    seek.setPointerCapture?.(event.pointerId);
    paintPosition(fractionAt(event.clientX) * length());
  });
  const release = (event) => {
    if (!dragging) return;
    dragging = false;
    seekTo(fractionAt(event.clientX) * length());
    if (event.pointerType !== "mouse") hidePreview();
  };
  listen(seek, "pointerup", release);
  listen(seek, "pointercancel", () => { dragging = false; hidePreview(); });
  listen(seek, "keydown", (event) => {
    const total = length();
    const now = video.currentTime;
    const steps = {
      ArrowLeft: now - STEP_SECONDS, ArrowDown: now - STEP_SECONDS,
      ArrowRight: now + STEP_SECONDS, ArrowUp: now + STEP_SECONDS,
      PageDown: now - total / 10, PageUp: now + total / 10, Home: 0, End: total,
    };
    if (!(event.key in steps) || !total) return;
    event.preventDefault();
    seekTo(steps[event.key]);
    const box = seek.getBoundingClientRect();
    showPreview(video.currentTime, (video.currentTime / total) * box.width);
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hidePreview, KEY_PREVIEW_MS);
  });
  listen(seek, "blur", hidePreview);

  // --- play, volume, fullscreen ------------------------------------------------------------
  const toggle = () => (video.paused || video.ended ? video.play().catch(() => {}) : video.pause());
  const paintPlay = () => {
    if (video.ended) setGlyph(play, "replay", "Replay");
    else if (video.paused) setGlyph(play, "play", "Play");
    else setGlyph(play, "pause", "Pause");
    frame.classList.toggle("is-paused", video.paused);
  };
  const paintVolume = () => {
    const silent = video.muted || video.volume === 0;
    setGlyph(mute, silent ? "muted" : "volume", silent ? "Unmute" : "Mute");
    volume.value = String(video.muted ? 0 : video.volume);
  };
  const fullscreenElement = () => document.fullscreenElement || document.webkitFullscreenElement;
  const paintFull = () => {
    const on = fullscreenElement() === frame;
    setGlyph(full, on ? "exitFullscreen" : "fullscreen", on ? "Exit full screen" : "Full screen");
  };
  const toggleFull = () => {
    if (fullscreenElement()) {
      (document.exitFullscreen || document.webkitExitFullscreen)?.call(document);
    } else if (frame.requestFullscreen || frame.webkitRequestFullscreen) {
      const request = (frame.requestFullscreen || frame.webkitRequestFullscreen).call(frame);
      request?.catch?.(() => {});
    } else if (video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen(); // iPhone: the video element alone
    }
  };
  listen(play, "click", toggle);
  // A tap on a touch screen while the controls are hidden only brings them back.
  let tapRevealed = false;
  listen(frame, "pointerdown", (event) => {
    tapRevealed = event.pointerType === "touch" && frame.classList.contains("is-idle");
    wake();
  }, { capture: true });
  listen(video, "click", () => { if (!tapRevealed) toggle(); tapRevealed = false; });
  listen(video, "dblclick", toggleFull);
  listen(mute, "click", () => {
    if (video.muted || video.volume === 0) {
      video.muted = false;
      if (video.volume === 0) video.volume = 0.5;
    } else {
      video.muted = true;
    }
  });
  listen(volume, "input", () => {
    video.volume = Number(volume.value);
    video.muted = video.volume === 0;
  });
  listen(full, "click", toggleFull);
  listen(document, "fullscreenchange", paintFull);
  listen(document, "webkitfullscreenchange", paintFull);
  if (!(frame.requestFullscreen || frame.webkitRequestFullscreen || video.webkitEnterFullscreen)) full.hidden = true;

  // What the keyboard shortcuts do (shortcuts.js); each answers the text to announce.
  const at = () => `${clock(video.currentTime)} of ${clock(length())}`;
  const volumeText = () => (video.muted || video.volume === 0 ? "Muted" : `Volume ${Math.round(video.volume * 100)}%`);
  const actions = {
    togglePlay() {
      const starting = video.paused || video.ended;
      toggle();
      return starting ? "Play" : "Pause";
    },
    seekBy(seconds) {
      seekTo(video.currentTime + seconds);
      return `${seconds < 0 ? "Back" : "Forward"} ${Math.abs(seconds)} seconds, ${at()}`;
    },
    seekTo(seconds) {
      seekTo(seconds);
      return at();
    },
    seekToFraction(fraction) {
      seekTo(fraction * length());
      return at();
    },
    volumeBy(delta) {
      const next = clamp(Math.round((video.muted ? 0 : video.volume) * 100 + delta * 100) / 100, 0, 1);
      video.volume = next;
      video.muted = next === 0;
      return volumeText();
    },
    toggleMute() {
      mute.click();
      return video.muted || video.volume === 0 ? "Muted" : `Unmuted, volume ${Math.round(video.volume * 100)}%`;
    },
    toggleFullscreen() {
      const leaving = Boolean(fullscreenElement());
      toggleFull();
      return leaving ? "Exit full screen" : "Full screen";
    },
  };

  // --- media events ------------------------------------------------------------------------
  for (const type of ["play", "pause", "ended", "emptied"]) listen(video, type, paintPlay);
  listen(video, "volumechange", paintVolume);
  listen(video, "timeupdate", () => { if (!dragging) paintPosition(video.currentTime); });
  for (const type of ["durationchange", "loadedmetadata", "seeking"]) {
    listen(video, type, () => { if (!dragging) paintPosition(video.currentTime); paintBuffered(); });
  }
  listen(video, "progress", paintBuffered);
  listen(video, "waiting", () => frame.classList.add("is-waiting"));
  for (const type of ["playing", "canplay", "pause", "seeked"]) {
    listen(video, type, () => frame.classList.remove("is-waiting"));
  }

  // The controls step aside while the video plays and the pointer rests.
  function wake() {
    frame.classList.remove("is-idle");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (!video.paused && !dragging && !bar.contains(document.activeElement)) frame.classList.add("is-idle");
    }, IDLE_MS);
  }
  listen(frame, "pointermove", wake);
  listen(frame, "focusin", wake);
  listen(video, "play", wake);
  listen(video, "pause", () => frame.classList.remove("is-idle"));

  paintPlay();
  paintVolume();
  paintFull();
  paintPosition(0);

  listen(video, "durationchange", paintChapters);
  listen(video, "loadedmetadata", paintChapters);

  return {
    element: bar,
    actions,
    /** Storyboard cues (storyboard.js); [] shows the time alone. */
    setStoryboard(next) { cues = next || []; },
    /** Chapters ([{startSeconds, title}], in order; chapters.js): gaps, names. */
    setChapters(next) {
      chapters = next || [];
      chapterIndex = -2; // paint anew
      paintChapters();
      paintPosition(video.currentTime);
    },
    /** Call `callback(index)` whenever the chapter playing changes (-1: none). */
    onChapter(callback) { chapterListeners.push(callback); callback(chapterIndex); },
    seekTo,
    destroy() {
      clearTimeout(hideTimer);
      clearTimeout(idleTimer);
      for (const remove of listeners.splice(0)) remove();
    },
  };
}
