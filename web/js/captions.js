// Captions (docs/API.md, "Captions"): the CC control over the video and the captions shown.
//
// The video answer lists `captions: [{language, label, url}]` (url: a WebVTT file under the
// video's hls/ folder, so the playback cookies cover it) and the master playlist carries the
// same languages as a SUBTITLES group. With hls.js a language the manifest has comes through
// hls.js (hls.subtitleTrack; its parsed cues); any other (native HLS in Safari, or a caption
// added after this copy of the manifest) through a hidden <track kind="captions"> of the file.
// Either way the cues are drawn here, in the player, above its controls (native rendering
// would sit under them, and hls.js's native tracks load `data:` URLs the CSP refuses).
//
// One language: the CC button is a toggle (aria-pressed). More: it opens a menu of Off and
// each language (menuitemradio; arrows, Home/End, Enter/Space, Escape). The choice (a
// language, or off) is remembered in localStorage and applies to the next video that has it.

import { glyph } from "./controls.js";
import { h } from "./dom.js";

const STORE = "tuber.captions";

const norm = (language) => String(language || "").trim().toLowerCase();
const hlsKey = (track) => `${norm(track.lang)}|${track.name || ""}`;

/** The remembered choice: {on, language} (language: the last one chosen, even when off). */
export function storedChoice() {
  try {
    const value = JSON.parse(localStorage.getItem(STORE) || "null");
    if (value && typeof value === "object") return { on: value.on === true, language: norm(value.language) || null };
  } catch { /* unreadable: the default */ }
  return { on: false, language: null };
}

function storeChoice(choice) {
  try { localStorage.setItem(STORE, JSON.stringify(choice)); } catch { /* private mode: not kept */ }
}

/** The item of `list` for `language`: the same tag, else the same primary language. */
function matchLanguage(list, language, key = "language") {
  const wanted = norm(language);
  if (!wanted) return -1;
  const exact = list.findIndex((item) => norm(item[key]) === wanted);
  if (exact >= 0) return exact;
  const primary = wanted.split("-")[0];
  return list.findIndex((item) => norm(item[key]).split("-")[0] === primary);
}

let menus = 0;

/** A cue's text as nodes: the browser's own WebVTT rendering (<i>, <b>, <v>...: elements,
 * never markup parsed by us), or the text without its tags. */
function cueNodes(cue) {
  try {
    if (typeof cue.getCueAsHTML === "function") return cue.getCueAsHTML();
  } catch { /* not a VTTCue */ }
  return document.createTextNode(String(cue.text || "").replace(/<[^>]*>/g, ""));
}

/**
 * The CC control for `video`. `captions`: the answer's list; `announce(text)` says a change.
 * Returns {element (the button and its menu), display (the captions drawn over the video:
 * the player puts it in its frame), attachHls(hls, Hls) or attachNative(), toggle(), choose(language or null),
 * current(), destroy()}.
 */
export function createCaptions(video, { captions = [], announce = () => {} } = {}) {
  const id = `captions-menu-${(menus += 1)}`;
  // [{language, label, url}]: the answer's, then any language only the manifest has.
  const tracks = (Array.isArray(captions) ? captions : [])
    .filter((c) => c && c.language)
    .map((c) => ({ language: String(c.language), label: String(c.label || c.language), url: c.url || null }));
  let active = null; // the language shown, or null
  let hls = null;
  // Nothing is shown until the player says how it plays: attachHls (once its manifest is
  // parsed) or attachNative.
  let manifestRead = false;
  let source = null; // what shows `active`: {track} (a TextTrack) or {hlsTrack} (hls.js's)
  const hlsCues = new Map(); // an hls.js subtitle track (hlsKey) -> [VTTCue]
  const elements = new Map(); // language -> <track>
  const cleanups = [];
  const listen = (target, type, handler, options) => {
    target.addEventListener(type, handler, options);
    cleanups.push(() => target.removeEventListener(type, handler, options));
  };

  const button = h("button.player-button.player-cc", { type: "button" }, glyph("captions"));
  const menu = h("div.player-menu.captions-menu", { id, role: "menu", "aria-label": "Captions", hidden: true });
  const element = h("div.player-cc-box", {}, button, menu);
  const display = h("div.player-captions", { hidden: true });

  const labelOf = (language) => tracks[matchLanguage(tracks, language)]?.label || language;

  function paint() {
    element.hidden = tracks.length === 0;
    button.classList.toggle("is-on", Boolean(active));
    if (tracks.length > 1) {
      button.removeAttribute("aria-pressed");
      button.setAttribute("aria-haspopup", "menu");
      button.setAttribute("aria-controls", id);
      button.setAttribute("aria-expanded", String(!menu.hidden));
      const name = `Captions: ${active ? labelOf(active) : "Off"}`;
      button.setAttribute("aria-label", name);
      button.title = `${name} (c)`;
    } else {
      for (const name of ["aria-haspopup", "aria-controls", "aria-expanded"]) button.removeAttribute(name);
      button.setAttribute("aria-pressed", String(Boolean(active)));
      button.setAttribute("aria-label", "Captions");
      button.title = tracks.length ? `Captions: ${tracks[0].label} (c)` : "Captions (c)";
    }
    for (const item of menu.children) {
      item.setAttribute("aria-checked", String((item.dataset.language || null) === (active ? norm(active) : null)));
    }
  }

  function buildMenu() {
    const item = (language, label) => {
      const node = h("button.player-menu-item", { type: "button", role: "menuitemradio", tabindex: "-1" }, label);
      if (language) node.dataset.language = norm(language);
      node.addEventListener("click", () => { choose(language); closeMenu(true); });
      return node;
    };
    menu.replaceChildren(item(null, "Off"), ...tracks.map((t) => item(t.language, t.label)));
  }

  function trackElement(caption) {
    const key = norm(caption.language);
    if (!elements.has(key)) {
      const node = h("track", { kind: "captions", srclang: caption.language, label: caption.label, src: caption.url });
      node.track.addEventListener("cuechange", render);
      video.append(node);
      elements.set(key, node);
    }
    return elements.get(key);
  }

  /** The cues of `source` at the current time, drawn over the video. */
  function render() {
    let cues = [];
    if (source && source.track) {
      cues = [...(source.track.activeCues || [])];
    } else if (source && source.hlsTrack) {
      const t = video.currentTime;
      cues = (hlsCues.get(hlsKey(source.hlsTrack)) || []).filter((cue) => cue.startTime <= t && t < cue.endTime);
    }
    const key = cues.map((cue) => `${cue.startTime}|${cue.endTime}|${cue.text}`).join("\n");
    if (key === display.dataset.shown) return;
    display.dataset.shown = key;
    display.replaceChildren(...cues.map((cue) => h("span.player-caption-line", {}, cueNodes(cue))));
    display.hidden = cues.length === 0;
  }
  for (const type of ["timeupdate", "seeked", "emptied"]) listen(video, type, render);

  /** Show `active` through hls.js if its manifest has it, else through a hidden <track>. */
  function apply() {
    if (!manifestRead) return; // attachHls applies it once the manifest is parsed
    const hlsTracks = hls ? hls.subtitleTracks || [] : [];
    const viaHls = active ? matchLanguage(hlsTracks, active, "lang") : -1;
    if (hls && hls.subtitleTrack !== viaHls) hls.subtitleTrack = viaHls;
    const wanted = active && viaHls < 0 ? tracks[matchLanguage(tracks, active)] : null;
    const mine = wanted && wanted.url ? trackElement(wanted).track : null;
    for (const track of video.textTracks) {
      // Ours not chosen, or the browser's own from the manifest (Safari): not shown.
      if (track !== mine && (track.kind === "captions" || track.kind === "subtitles")) track.mode = "disabled";
    }
    if (mine) mine.mode = "hidden"; // loaded and timed by the browser, drawn by render()
    source = viaHls >= 0 ? { hlsTrack: hlsTracks[viaHls] } : mine ? { track: mine } : null;
    render();
  }

  function choose(language, { say = true } = {}) {
    const index = language ? matchLanguage(tracks, language) : -1;
    active = index >= 0 ? tracks[index].language : null;
    const before = storedChoice();
    storeChoice({ on: Boolean(active), language: active ? norm(active) : before.language });
    apply();
    paint();
    if (say) announce(active ? `Captions on: ${labelOf(active)}` : "Captions off");
  }

  /** `c`: off if on; else the language chosen last (or the browser's, or the first). */
  function toggle() {
    if (!tracks.length) { announce("No captions for this video"); return; }
    if (active) { choose(null); return; }
    const remembered = storedChoice().language;
    const pick = [remembered, navigator.language].map((l) => matchLanguage(tracks, l)).find((i) => i >= 0);
    choose(tracks[pick ?? 0].language);
  }

  // --- the menu (more than one language) ---------------------------------------------------
  const items = () => [...menu.children];
  function openMenu() {
    menu.hidden = false;
    paint();
    const checked = items().find((i) => i.getAttribute("aria-checked") === "true") || items()[0];
    checked?.focus();
  }
  function closeMenu(refocus) {
    if (menu.hidden) return;
    menu.hidden = true;
    paint();
    if (refocus) button.focus();
  }
  listen(button, "click", () => {
    if (tracks.length > 1) { if (menu.hidden) openMenu(); else closeMenu(false); } else toggle();
  });
  listen(button, "keydown", (event) => {
    if (tracks.length > 1 && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      openMenu();
    }
  });
  listen(menu, "keydown", (event) => {
    const list = items();
    const at = list.indexOf(document.activeElement);
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: list.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      list[(moves[event.key] + list.length) % list.length].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // not the full screen's Escape as well
      closeMenu(true);
    } else if (event.key === "Tab") {
      closeMenu(false);
    }
  });
  listen(document, "pointerdown", (event) => { if (!element.contains(event.target)) closeMenu(false); });
  listen(element, "focusout", (event) => {
    if (event.relatedTarget && !element.contains(event.relatedTarget)) closeMenu(false);
  });

  /** Each hls.js instance (a reload makes a new one; created with renderTextTracksNatively:
   * false): the choice applies once its manifest says which languages it carries. */
  function attachHls(instance, Hls) {
    hls = instance;
    manifestRead = false;
    hlsCues.clear();
    instance.on(Hls.Events.MANIFEST_PARSED, () => {
      if (hls !== instance) return;
      manifestRead = true;
      let added = false;
      for (const t of instance.subtitleTracks || []) {
        if (t.lang && matchLanguage(tracks, t.lang) < 0) {
          tracks.push({ language: t.lang, label: t.name || t.lang, url: null });
          added = true;
        }
      }
      if (added) buildMenu();
      apply();
      paint();
    });
    instance.on(Hls.Events.CUES_PARSED, (_event, data) => {
      if (hls !== instance || data.type !== "subtitles" || !data.subtitleTrack) return;
      const key = hlsKey(data.subtitleTrack);
      const list = hlsCues.get(key) || [];
      const seen = new Set(list.map((cue) => `${cue.startTime}|${cue.endTime}|${cue.text}`));
      for (const cue of data.cues) {
        const id = `${cue.startTime}|${cue.endTime}|${cue.text}`;
        if (!seen.has(id)) { seen.add(id); list.push(cue); }
      }
      hlsCues.set(key, list);
      render();
    });
  }

  /** Native HLS (Safari): the files as <track> elements. */
  function attachNative() {
    hls = null;
    manifestRead = true;
    apply();
    paint();
  }

  buildMenu();
  const remembered = storedChoice();
  if (remembered.on && matchLanguage(tracks, remembered.language) >= 0) {
    active = tracks[matchLanguage(tracks, remembered.language)].language;
  }
  paint();

  return {
    element,
    attachHls,
    attachNative,
    toggle,
    choose,
    current: () => active,
    display,
    destroy() {
      for (const remove of cleanups.splice(0)) remove();
      for (const node of elements.values()) node.remove();
    },
  };
}
