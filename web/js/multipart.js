// Resumable uploads (API.md "Resumable uploads"): S3 multipart with a presigned PUT per part,
// several parts at a time, each retried on its own, resumable after a reload.
//
// The browser cannot keep a File across reloads, so the page keeps what identifies the upload
// (videoId, uploadId, the file's name/size/lastModified) in localStorage and asks the user to
// pick the same file again; GET .../upload/multipart then says which parts S3 already holds.

import { api, ApiError } from "./api.js";

const KEY = "tuber.pendingUpload";
export const PARALLEL_PARTS = 3;
export const PART_ATTEMPTS = 6;
const URL_BATCH = 12;
const URL_MARGIN_MS = 60_000;

// Files up to this size go in one presigned POST; larger ones in parts. The server chooses the
// part size (at least MULTIPART_PART_BYTES, 8 MiB by default); a smaller file would be one part.
export const MULTIPART_THRESHOLD = Number(window.TUBER_MULTIPART_THRESHOLD) || 8 * 1024 * 1024;

/** The resumable upload this browser left unfinished, if it belongs to `userId`. */
export function pendingUpload(userId) {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) || "null");
    return value && value.videoId && (!userId || value.userId === userId) ? value : null;
  } catch {
    return null;
  }
}

export function savePending(value) {
  localStorage.setItem(KEY, JSON.stringify(value));
}

export function clearPending(videoId) {
  const current = pendingUpload();
  if (!videoId || !current || current.videoId === videoId) localStorage.removeItem(KEY);
}

/** True when `file` is the one the pending upload was started with. */
export function sameFile(pending, file) {
  return Boolean(file) && file.name === pending.name && file.size === pending.size
    && file.lastModified === pending.lastModified;
}

/** Bytes of part `n` (1-based): [(n-1)*partSize, min(n*partSize, sizeBytes)). */
export function partRange(n, partSize, sizeBytes) {
  const start = (n - 1) * partSize;
  return [start, Math.min(n * partSize, sizeBytes)];
}

const sleep = (ms, signal) => new Promise((resolve, reject) => {
  if (signal?.aborted) { reject(new DOMException("aborted", "AbortError")); return; }
  const timer = setTimeout(() => { signal?.removeEventListener("abort", stop); resolve(); }, ms);
  function stop() { clearTimeout(timer); reject(new DOMException("aborted", "AbortError")); }
  signal?.addEventListener("abort", stop, { once: true });
});

/** Backoff before attempt `attempt` (2, 3...): 1 s, 2 s, 4 s... up to 20 s, with jitter. */
export function backoffMs(attempt) {
  const base = Math.min(20_000, 1000 * 2 ** (attempt - 2));
  return base / 2 + Math.random() * base / 2;
}

/** PUT one part's bytes as the raw body (no extra headers); resolves the ETag (or null). */
function putPart(url, blob, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.upload.addEventListener("progress", (event) => onProgress(event.loaded));
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(blob.size);
        resolve(xhr.getResponseHeader("ETag"));
      } else {
        const code = /<Code>([^<]*)<\/Code>/.exec(xhr.responseText || "");
        reject(new ApiError(xhr.status, "part_failed",
          `A part was refused (${xhr.status}${code ? ` ${code[1]}` : ""}).`));
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "part_failed",
      "The storage service could not be reached.")));
    xhr.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    if (signal) signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(blob);
  });
}

/**
 * Upload `file` to video `videoId` in parts. With `resume`, continue the video's running
 * upload (GET status, skip the parts S3 holds); otherwise start one (409 upload_in_progress:
 * resume that one).
 * onProgress({uploadedBytes, sizeBytes, partsDone, partCount}); onRetry({partNumber, attempt,
 * error}) before each new attempt of a part. Resolves the completed video.
 */
export async function uploadInParts({ videoId, file, title, userId, resume = false, signal, onProgress = () => {}, onRetry = () => {} }) {
  const path = `/video/${encodeURIComponent(videoId)}/upload/multipart`;
  let status = null;
  if (resume) {
    try {
      status = await api("GET", path, { auth: "required", signal });
    } catch (error) {
      if (error.code !== "upload_not_found") throw error; // none running: start one below
    }
  }
  if (!status) {
    try {
      const started = await api("POST", path, { auth: "required", signal });
      status = { multipart: started.multipart, parts: [], uploadedBytes: 0 };
    } catch (error) {
      if (error.code !== "upload_in_progress") throw error;
      status = await api("GET", path, { auth: "required", signal });
    }
  }
  const { uploadId, partSize, partCount, sizeBytes } = status.multipart;
  if (sizeBytes !== file.size) {
    throw new ApiError(409, "file_mismatch",
      `This file is ${file.size} bytes but the upload expects ${sizeBytes}: choose the same file.`);
  }
  savePending({ videoId, uploadId, title, userId, name: file.name, size: file.size,
    lastModified: file.lastModified, startedAt: new Date().toISOString() });

  const expected = (n) => { const [a, b] = partRange(n, partSize, sizeBytes); return b - a; };
  const etags = new Map();
  const done = new Set();
  for (const part of status.parts || []) {
    if (part.sizeBytes === expected(part.partNumber)) {
      done.add(part.partNumber);
      if (part.etag) etags.set(part.partNumber, part.etag);
    }
  }
  const inFlight = new Map();
  const report = () => {
    let uploaded = 0;
    for (const n of done) uploaded += expected(n);
    for (const loaded of inFlight.values()) uploaded += loaded;
    onProgress({ uploadedBytes: Math.min(uploaded, sizeBytes), sizeBytes, partsDone: done.size, partCount });
  };
  report();

  // Presigned part URLs, asked for in batches as the queue needs them.
  const urls = new Map();
  async function urlFor(n, queue) {
    const cached = urls.get(n);
    if (cached && cached.expiresAt - Date.now() > URL_MARGIN_MS) return cached.url;
    const wanted = [n, ...queue.filter((m) => m !== n && !urls.has(m))].slice(0, URL_BATCH);
    const answer = await api("POST", `${path}/part-urls`, { auth: "required", signal, body: { uploadId, partNumbers: wanted } });
    const expiresAt = Date.now() + (Number(answer.expiresIn) || 900) * 1000;
    for (const part of answer.parts || []) urls.set(part.partNumber, { url: part.url, expiresAt });
    return urls.get(n).url;
  }

  async function sendPart(n, queue) {
    const [start, end] = partRange(n, partSize, sizeBytes);
    const blob = file.slice(start, end);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const url = await urlFor(n, queue);
        inFlight.set(n, 0);
        const etag = await putPart(url, blob, (loaded) => { inFlight.set(n, loaded); report(); }, signal);
        inFlight.delete(n);
        done.add(n);
        if (etag) etags.set(n, etag);
        report();
        return;
      } catch (error) {
        inFlight.delete(n);
        report();
        if (error.name === "AbortError" || signal?.aborted) throw error;
        // The API's own refusals (other than throttling or an outage) will not pass on a retry.
        const fromApi = error.code !== "part_failed" && error.code !== "network_error";
        if ((fromApi && error.status !== 429 && error.status < 500) || attempt >= PART_ATTEMPTS) throw error;
        if (error.status === 403) urls.delete(n); // an expired or refused signature: sign again
        onRetry({ partNumber: n, attempt: attempt + 1, error });
        await sleep(backoffMs(attempt + 1), signal);
      }
    }
  }

  async function sendAll(numbers) {
    const queue = numbers.filter((n) => !done.has(n));
    const worker = async () => {
      while (queue.length) {
        const n = queue.shift();
        await sendPart(n, queue);
      }
    };
    const workers = Array.from({ length: Math.min(PARALLEL_PARTS, queue.length) }, worker);
    const results = await Promise.allSettled(workers);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  await sendAll(Array.from({ length: partCount }, (_, i) => i + 1));
  for (let round = 0; ; round += 1) {
    const parts = etags.size === partCount
      ? [...etags].sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag }))
      : undefined; // ETag not readable: let the server check what S3 holds
    try {
      const answer = await api("POST", `${path}/complete`, { auth: "required", signal, body: { uploadId, parts } });
      clearPending(videoId);
      return answer.video;
    } catch (error) {
      const details = error.details || {};
      const redo = error.code === "upload_incomplete"
        ? [...(details.missingParts || []), ...(details.wrongSizeParts || [])]
        : error.code === "parts_mismatch" ? details.partNumbers || [] : [];
      if (!redo.length || round >= 2) throw error;
      for (const n of redo) { done.delete(n); etags.delete(n); urls.delete(n); }
      await sendAll(redo);
    }
  }
}

/** Cancel: abort the running upload (S3 deletes its parts) and forget it here. */
export async function abortUpload(videoId) {
  try {
    await api("DELETE", `/video/${encodeURIComponent(videoId)}/upload/multipart`, { auth: "required" });
  } finally {
    clearPending(videoId);
  }
}
