// Watch history from the player (API.md "/history"): the position goes to
// PUT /history/{videoId} about every 10 s while playing, at pause, at the end and when the
// page is left, with a playbackId of this player's own and a rising sequence, so an older
// report that arrives late never overwrites a newer one. A paused history stops the reports.

import { api } from "./api.js";
import { currentUser } from "./session.js";

const EVERY_MS = 10_000;

function newPlaybackId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Start `media` at the viewer's resume point (`video.resumeAtSeconds`). hls.js may take
 * the first seek back while it attaches, so it is set again until the media got there. */
export function resumeAt(video, media) {
  const at = Number(video.resumeAtSeconds) || 0;
  if (at <= 0) return;
  const events = ["loadedmetadata", "loadeddata", "canplay", "playing"];
  const seek = () => { if (media.readyState >= 1 && media.currentTime < at - 1) media.currentTime = at; };
  const arrived = () => {
    if (media.currentTime < at - 1) return;
    for (const name of events) media.removeEventListener(name, seek);
    media.removeEventListener("timeupdate", arrived);
  };
  for (const name of events) media.addEventListener(name, seek);
  media.addEventListener("timeupdate", arrived);
  seek();
}

/** Report `media`'s position for `video` until `signal` aborts (the page is left). */
export function reportHistory(video, media, signal) {
  if (!currentUser()) return;
  const playbackId = newPlaybackId();
  let sequence = 0;
  let stopped = false;
  let lastSent = null;
  // The player lets go of the media when the page is left (its currentTime goes): keep it.
  let position = 0;
  const track = () => { if (media.currentTime > 0) position = media.currentTime; };
  for (const name of ["timeupdate", "seeking", "seeked", "pause"]) media.addEventListener(name, track);

  function send() {
    if (stopped || !currentUser()) return;
    const positionSeconds = Math.max(0, Number(position) || 0);
    if (lastSent !== null && Math.abs(lastSent - positionSeconds) < 0.5) return;
    lastSent = positionSeconds;
    // No signal: the last report must get out even as the page is left.
    api("PUT", `/history/${encodeURIComponent(video.id)}`, {
      body: { positionSeconds, playbackId, sequence: sequence++ }, auth: "required",
    }).then((answer) => {
      if (answer && answer.paused) stopped = true;
    }).catch(() => { /* the next report carries the position */ });
  }
  const timer = setInterval(() => { if (!media.paused && !media.seeking) send(); }, EVERY_MS);
  media.addEventListener("pause", send);  // after `track`: the position it paused at
  media.addEventListener("ended", send);
  signal.addEventListener("abort", () => {
    clearInterval(timer);
    track();
    if (position > 0) send();
    stopped = true;
  }, { once: true });
}
