// Views counted by the server's clock (docs/API.md, "Views"). When playback first starts, the
// page asks for a view session (POST /video/{id}/view/start); once the viewer has played the
// session's `countsAfterSeconds` (summed from timeupdate steps: seeking does not count), it
// reports the session (POST /video/{id}/view). The server counts the view only if its own
// clock agrees that long has passed since the start; when it answers `countsInSeconds`
// (playing faster than real time, a slow start), the page reports again then. One view per
// page load; a session that expired (a long pause) is replaced once.

import { api } from "./api.js";

const MAX_REPORTS = 4;
const RETRY_MARGIN_MS = 250;

/**
 * Count a view of `video` (an API video) played by `media` (its <video> element).
 * onCount(viewCount) gets the count the API answers. Stops when `signal` aborts.
 */
export function countView(video, media, signal, onCount) {
  const path = `/video/${encodeURIComponent(video.id)}`;
  let session = null; // {viewSession, countsAfterSeconds, expiresAt, expiresIn}
  let pending = null; // the request in flight
  let watched = 0; // seconds played since the session started
  let last = null;
  let reports = 0;
  let renewed = false;
  let done = false;
  let retry = null;

  const finish = () => {
    done = true;
    clearTimeout(retry);
  };
  signal.addEventListener("abort", finish, { once: true });

  const giveUp = (error) => {
    finish();
    // A 4xx is a rule, not a fault (e.g. the owner's unpublished video): nothing to say.
    if (!signal.aborted && error && error.status >= 500) console.warn("view not recorded", error.code);
  };

  const start = () => {
    if (session || pending || done || signal.aborted) return;
    pending = api("POST", `${path}/view/start`, { signal })
      .then((answer) => {
        session = answer;
        watched = 0;
        last = null;
      })
      .catch(giveUp)
      .finally(() => { pending = null; });
  };

  const report = () => {
    if (!session || pending || done || signal.aborted) return;
    if (reports >= MAX_REPORTS) { finish(); return; }
    reports += 1;
    pending = api("POST", `${path}/view`, { body: { viewSession: session.viewSession }, signal })
      .then((answer) => {
        if (answer && Number.isFinite(answer.viewCount)) onCount(answer.viewCount);
        const wait = answer ? Number(answer.countsInSeconds) : 0;
        if (answer && answer.counted === false && wait > 0) {
          retry = setTimeout(report, Math.ceil(wait * 1000) + RETRY_MARGIN_MS);
        } else {
          finish();
        }
      })
      .catch((error) => {
        if (error.code === "view_session_expired" && !renewed) {
          // Paused for hours: a new session, counted from the next time it plays.
          renewed = true;
          session = null;
          reports = 0;
          return;
        }
        giveUp(error);
      })
      .finally(() => { pending = null; });
  };

  media.addEventListener("playing", start);
  media.addEventListener("timeupdate", () => {
    if (done) return;
    const now = media.currentTime;
    if (session && last !== null && !media.seeking) {
      const step = now - last;
      if (step > 0 && step < 1.5) watched += step;
    }
    last = now;
    if (!session) {
      if (!media.paused) start();
      return;
    }
    if (reports === 0 && watched >= Number(session.countsAfterSeconds || 0)) report();
  });
  media.addEventListener("seeking", () => { last = null; });
  // A video shorter than the client thought: let the server's clock decide.
  media.addEventListener("ended", () => { if (session && reports === 0 && watched > 0) report(); });
}
