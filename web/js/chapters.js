// Chapters and timestamps (docs/API.md, "Chapters"): the video answer's
// `chapters: [{startSeconds, title}]` (made by the API from the description's timestamp
// lines), the chapter list under the player, and timestamps anywhere in the description
// turned into links that seek. Text from the API only becomes text nodes.

import { h } from "./dom.js";
import { duration as clock } from "./format.js";

/** Seconds from "75", "75s", "1m15s", "1h2m3s", "1:15" or "1:02:03"; null otherwise. */
export function parseTime(value) {
  const text = String(value ?? "").trim().toLowerCase();
  if (!text) return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const units = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (units && (units[1] || units[2] || units[3])) {
    return (Number(units[1] || 0) * 3600) + (Number(units[2] || 0) * 60) + Number(units[3] || 0);
  }
  const clockParts = /^(?:(\d+):)?([0-5]?\d):([0-5]\d)$/.exec(text);
  if (clockParts) return (Number(clockParts[1] || 0) * 3600) + (Number(clockParts[2]) * 60) + Number(clockParts[3]);
  return null;
}

/** The answer's chapters, checked and in order (a malformed entry is left out). */
export function normalizeChapters(chapters) {
  if (!Array.isArray(chapters)) return [];
  return chapters
    .filter((c) => c && Number.isFinite(Number(c.startSeconds)) && Number(c.startSeconds) >= 0)
    .map((c) => ({ startSeconds: Number(c.startSeconds), title: String(c.title ?? "") }))
    .sort((a, b) => a.startSeconds - b.startSeconds);
}

/** Index of the chapter playing at `time` (the last one starting at or before it); -1 if none. */
export function chapterAt(chapters, time) {
  let found = -1;
  for (let i = 0; i < chapters.length; i += 1) {
    if (chapters[i].startSeconds <= time + 0.001) found = i; else break;
  }
  return found;
}

// h:mm:ss or m:ss (minutes up to 59 when hours are given), standing alone: not part of a
// longer number or word ("10:30am" and "1:2:3" are not timestamps).
const STAMP = /(^|[^\w:])((?:\d{1,2}:)?[0-5]?\d:[0-5]\d)(?![\w:])/g;

/**
 * The description as nodes: text, with each timestamp no later than `length` (seconds;
 * 0: unknown, any) a link to the watch page at that time (`hrefFor(seconds)`) that seeks
 * in place (`onSeek(seconds)`) when clicked.
 */
export function descriptionNodes(text, { onSeek, hrefFor, length = 0 } = {}) {
  const source = String(text ?? "");
  const nodes = [];
  let last = 0;
  for (const match of source.matchAll(STAMP)) {
    const stamp = match[2];
    const start = match.index + match[1].length;
    const at = parseTime(stamp);
    if (at === null || (length > 0 && at > length)) continue;
    if (start > last) nodes.push(document.createTextNode(source.slice(last, start)));
    const link = h("a.timestamp-link", {
      href: hrefFor ? hrefFor(at) : "#", "aria-label": `Jump to ${stamp}`, dataset: { seconds: String(at) },
    }, stamp);
    link.addEventListener("click", (event) => {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      onSeek?.(at);
    });
    nodes.push(link);
    last = start + stamp.length;
  }
  if (last < source.length) nodes.push(document.createTextNode(source.slice(last)));
  return nodes;
}

let lists = 0;

/**
 * The chapter list: a heading and one button per chapter (its start time and title) that
 * seeks there (`onSeek(seconds)`); the chapter playing is marked (aria-current).
 * Returns {element, setCurrent(index), focusCurrent()}.
 */
export function chapterList(chapters, { onSeek } = {}) {
  const id = `chapters-title-${(lists += 1)}`;
  const buttons = chapters.map((chapter, index) => {
    const button = h("button.chapter-button", { type: "button", "data-index": String(index) },
      h("span.chapter-time", {}, clock(chapter.startSeconds)),
      h("span.chapter-title", {}, chapter.title));
    button.setAttribute("aria-label", `${chapter.title}, ${clock(chapter.startSeconds)}`);
    button.addEventListener("click", () => onSeek?.(chapter.startSeconds));
    return button;
  });
  const element = h("section.chapters", { "aria-labelledby": id },
    h("h2.chapters-heading", { id }, "Chapters"),
    h("ol.chapter-list", {}, buttons.map((button) => h("li.chapter", {}, button))));
  let current = -1;
  const setCurrent = (index) => {
    if (index === current) return;
    buttons[current]?.removeAttribute("aria-current");
    buttons[current]?.closest("li").classList.remove("is-current");
    current = index;
    buttons[current]?.setAttribute("aria-current", "true");
    buttons[current]?.closest("li").classList.add("is-current");
  };
  const focusCurrent = () => {
    const button = buttons[Math.max(0, current)];
    button?.scrollIntoView({ block: "nearest" });
    button?.focus();
  };
  return { element, setCurrent, focusCurrent };
}
