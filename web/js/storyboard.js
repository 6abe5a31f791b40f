// Seek-bar previews: the storyboard is a WebVTT file whose cues are sprite tiles
// (docs/API.md, "Media"):
//
//   00:00:12.000 --> 00:00:16.000
//   storyboard/00000.jpg#xywh=160,90,160,90
//
// The tile's URL is relative to the VTT's; x, y, w, h are pixels within that sprite.

function seconds(stamp) {
  // hh:mm:ss.ttt or mm:ss.ttt
  const parts = stamp.trim().split(":").map(Number);
  if (parts.some((n) => !Number.isFinite(n))) return NaN;
  return parts.reduce((total, n) => total * 60 + n, 0);
}

/** [{start, end, url, x, y, w, h}] sorted by start, from a WebVTT's text. */
export function parseStoryboard(text, baseUrl) {
  const cues = [];
  for (const block of String(text).replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
    const lines = block.split("\n");
    const at = lines.findIndex((line) => line.includes("-->"));
    if (at < 0 || !lines[at + 1]) continue;
    const [from, to] = lines[at].split("-->");
    const start = seconds(from);
    const end = seconds(to.trim().split(/\s+/)[0]);
    const [target, fragment = ""] = lines[at + 1].trim().split("#");
    const xywh = /^xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(fragment);
    if (!Number.isFinite(start) || !Number.isFinite(end) || !xywh) continue;
    let url;
    try { url = new URL(target, baseUrl).href; } catch { continue; }
    const [x, y, w, h] = xywh.slice(1).map(Number);
    cues.push({ start, end, url, x, y, w, h });
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** The cue shown at `time`: the last one starting at or before it (binary search). */
export function cueAt(cues, time) {
  let low = 0;
  let high = cues.length - 1;
  let found = null;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (cues[middle].start <= time) { found = cues[middle]; low = middle + 1; } else { high = middle - 1; }
  }
  return found || cues[0] || null;
}

/**
 * Fetch and parse the storyboard. Media needs the playback cookies: same origin, sent as the
 * player's own HLS requests send them. `renew()` (resolving true once renewed) is tried once
 * on a 403. [] when there is none or it cannot be read: previews then show the time only.
 */
export async function loadStoryboard(url, { signal, renew } = {}) {
  if (!url) return [];
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const answer = await fetch(url, { credentials: "same-origin", signal });
      if (answer.ok) return parseStoryboard(await answer.text(), answer.url || url);
      if (answer.status !== 403 || attempt || !renew || !(await renew())) return [];
    } catch {
      return [];
    }
  }
  return [];
}
