// Upload: choose a file and details, send it straight to storage (large files in resumable
// parts), follow processing live, retry a failed transcode.

import { api, uploadToStorage } from "../api.js";
import { formError, notify, showError } from "../alerts.js";
import { h, icon } from "../dom.js";
import { bytes, duration } from "../format.js";
import { currentUser } from "../session.js";
import { confirmDialog, processingBar, quotaErrorText, quotaText, retryVideo, signInHref, statusBadge } from "../components.js";
import { abortUpload, clearPending, MULTIPART_THRESHOLD, pendingUpload, sameFile, uploadInParts } from "../multipart.js";
import { captionError, captionFields, categorySelect, tagsInput, uploadCaptions } from "../video-fields.js";

const POLL_MS = 2000;

function titleFromFile(name) {
  return name.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ").trim().slice(0, 100);
}

function guessContentType(file) {
  if (file.type) return file.type;
  const ext = (file.name.split(".").pop() || "").toLowerCase();
  return { mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", webm: "video/webm", mkv: "video/x-matroska",
    avi: "video/x-msvideo", mpg: "video/mpeg", mpeg: "video/mpeg", ts: "video/mp2t" }[ext] || "application/octet-stream";
}

/**
 * The file's length as the browser reads it from the file's metadata, or null when it cannot
 * (a container it does not play, a stream that states no length): sent as durationSeconds, so
 * a video over the site's limit is refused before it is uploaded.
 */
function readDuration(file, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const video = document.createElement("video");
    let settled = false;
    let timer = null;
    const done = (seconds) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Stop the element's reads of the file first: a read after the revoke is a console error.
      video.removeAttribute("src");
      video.load();
      URL.revokeObjectURL(url);
      resolve(Number.isFinite(seconds) && seconds > 0 ? seconds : null);
    };
    timer = setTimeout(() => done(null), timeoutMs);
    video.preload = "metadata";
    video.muted = true;
    video.addEventListener("loadedmetadata", () => done(video.duration), { once: true });
    video.addEventListener("error", () => done(null), { once: true });
    video.src = url;
  });
}

/** An error for a form: quota and length refusals in words that say what to do. */
function explain(error) {
  const { durationSeconds, maxDurationSeconds } = (error && error.details) || {};
  if (error && error.code === "video_too_long" && durationSeconds && maxDurationSeconds) {
    return { message: `This video is ${duration(durationSeconds)} long: videos can be at most ${duration(maxDurationSeconds)}.` };
  }
  return error && error.code === "quota_exceeded" ? { message: quotaErrorText(error, bytes) } : error;
}

export function renderUpload({ main, signal, navigate }) {
  document.title = "Upload - Tuber";
  const me = currentUser();
  if (!me) {
    navigate(signInHref("#/upload"), { replace: true });
    return;
  }
  const fileInput = h("input.file-input", { id: "file", name: "file", type: "file", accept: "video/*", required: true });
  const fileName = h("span.file-name", { id: "file-name" }, "No file chosen");
  const titleInput = h("input", { id: "title", name: "title", type: "text", required: true, maxlength: 100 });
  const quotaLine = h("p.quota-line", { id: "upload-quota", "aria-live": "polite" });
  const tags = tagsInput({ id: "tags" });
  const category = categorySelect({ id: "category" });
  const captions = captionFields({ idPrefix: "captions", legend: "Captions (optional)",
    hint: "Added when processing is done: keep this page open until then, or add them later from My videos." });
  let quota = null;
  const form = h("form.form.upload-form", {},
    quotaLine,
    h("div.field", {},
      h("span.label", { id: "file-label" }, "Video file"),
      h("label.dropzone", { for: "file" }, icon("upload"),
        h("span", {}, h("strong", {}, "Choose a video"), " or drop it here"), fileName),
      fileInput),
    h("div.field", {}, h("label", { for: "title" }, "Title"), titleInput),
    h("div.field", {}, h("label", { for: "description" }, "Description"),
      h("textarea", { id: "description", name: "description", rows: 4, maxlength: 5000 })),
    h("div.field", {}, h("label", { for: "visibility" }, "Visibility"),
      h("select", { id: "visibility", name: "visibility" },
        h("option", { value: "public" }, "Public: anyone can find and watch it"),
        h("option", { value: "unlisted" }, "Unlisted: anyone with the link"),
        h("option", { value: "private" }, "Private: only you"))),
    category.element,
    tags.element,
    captions.element,
    h("button.button.button-primary.button-wide", { type: "submit" }, "Upload"));

  const progress = h("progress", { id: "upload-progress", max: 100, value: 0, "aria-label": "Upload progress" });
  const progressText = h("span.progress-text", {}, "0%");
  const partsLine = h("p.parts-line.muted", { id: "upload-parts", hidden: true });
  const processingSlot = h("div.processing-slot");
  const statusLine = h("p.status-line", { role: "status", "aria-live": "polite" });
  const result = h("div.upload-result");
  const summary = h("p.upload-summary");
  const tracker = h("div.upload-tracker", { hidden: true },
    h("h2", { tabindex: "-1" }, "Your upload"), summary, h("div.progress-row", {}, progress, progressText),
    partsLine, statusLine, processingSlot, result);
  const resumeBox = h("div.resume-slot");

  async function loadQuota({ check = true } = {}) {
    try {
      ({ quota } = await api("GET", "/video/quota", { auth: "required", signal }));
      quotaLine.textContent = quotaText(quota, bytes);
      if (check) checkFits();
    } catch (error) {
      if (!signal.aborted && error.status !== 401) quotaLine.textContent = "";
    }
  }

  /** Warn before sending a file the storage quota cannot take, or when no upload is left today. */
  function checkFits() {
    const file = fileInput.files[0];
    const s = quota?.storage;
    const d = quota?.videosPerDay;
    let message = null;
    if (d && d.limit && d.remaining === 0) {
      message = quotaErrorText({ details: { quota: "videosPerDay", videosPerDay: d } }, bytes);
    } else if (file && s && s.limitBytes && file.size > s.remainingBytes) {
      message = quotaErrorText({ details: { quota: "storage", storage: s } }, bytes);
    }
    formError(form, message ? { message } : null);
  }

  const setUploadProgress = (fraction) => {
    const pct = Math.floor(Math.max(0, Math.min(1, fraction)) * 100);
    progress.value = pct;
    progressText.textContent = `${pct}%`;
  };

  let chosenLength = null; // { file, seconds: a promise of readDuration(file) }
  const lengthOf = (file) => (chosenLength && chosenLength.file === file ? chosenLength.seconds : readDuration(file));
  const chooseFile = (file) => {
    if (!file) return;
    chosenLength = { file, seconds: readDuration(file) };
    fileName.textContent = `${file.name} (${bytes(file.size)})`;
    if (!titleInput.value.trim()) titleInput.value = titleFromFile(file.name);
    checkFits();
  };
  fileInput.addEventListener("change", () => chooseFile(fileInput.files[0]));
  const dropzone = form.querySelector(".dropzone");
  dropzone.addEventListener("dragover", (event) => { event.preventDefault(); dropzone.classList.add("dragging"); });
  dropzone.addEventListener("dragleave", () => dropzone.classList.remove("dragging"));
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropzone.classList.remove("dragging");
    if (event.dataTransfer.files.length) {
      fileInput.files = event.dataTransfer.files;
      chooseFile(fileInput.files[0]);
    }
  });

  function showTracker(title, file) {
    form.hidden = true;
    resumeBox.replaceChildren();
    tracker.hidden = false;
    summary.textContent = `“${title}” (${bytes(file.size)})`;
    tracker.querySelector("h2").focus();
  }

  // One resumable upload: parts in parallel, each retried; paused (not lost) when it fails.
  let running = null;
  async function sendInParts(videoId, file, title, resume = false) {
    if (running) return;
    running = new AbortController();
    const stop = () => running?.abort();
    signal.addEventListener("abort", stop, { once: true });
    formError(tracker, null);
    partsLine.hidden = false;
    statusLine.replaceChildren(statusBadge("UPLOADING"), " Sending your video in parts…");
    const cancel = h("button.button.button-danger-ghost", { type: "button" }, "Cancel upload");
    cancel.addEventListener("click", () => cancelUpload(videoId));
    result.replaceChildren(cancel);
    let video;
    try {
      video = await uploadInParts({
        videoId, file, title, resume, userId: me.id, signal: running.signal,
        onProgress: ({ uploadedBytes, sizeBytes, partsDone, partCount }) => {
          setUploadProgress(uploadedBytes / sizeBytes);
          partsLine.textContent = `${partsDone} of ${partCount} parts sent (${bytes(uploadedBytes)} of ${bytes(sizeBytes)})`;
        },
        onRetry: ({ partNumber, attempt }) => {
          partsLine.textContent = `Part ${partNumber} failed, trying again (attempt ${attempt})…`;
        },
      });
    } catch (error) {
      running = null;
      signal.removeEventListener("abort", stop);
      if (error.name === "AbortError" || signal.aborted) return;
      statusLine.replaceChildren(statusBadge("UPLOADING"), " Upload paused: the parts already sent are kept.");
      formError(tracker, explain(error));
      const again = h("button.button.button-primary", { type: "button" }, "Resume upload");
      again.addEventListener("click", () => sendInParts(videoId, file, title, true));
      result.replaceChildren(again, cancel);
      // Back online: carry on by itself.
      window.addEventListener("online", () => { if (!running && again.isConnected) sendInParts(videoId, file, title, true); }, { once: true });
      return;
    }
    running = null;
    signal.removeEventListener("abort", stop);
    setUploadProgress(1);
    result.replaceChildren();
    await follow(video.id);
  }

  async function cancelUpload(videoId) {
    const ok = await confirmDialog({
      title: "Cancel this upload?",
      text: "The parts sent so far are deleted and the video is removed.",
      confirmLabel: "Cancel upload",
    });
    if (!ok) return;
    running?.abort();
    running = null;
    try {
      await abortUpload(videoId);
      await api("DELETE", `/video/${encodeURIComponent(videoId)}`, { auth: "required" });
      notify("Upload cancelled.", { kind: "success" });
    } catch (error) {
      if (error.code !== "upload_not_found" && error.code !== "video_not_found") { showError(error); return; }
    }
    clearPending(videoId);
    navigate("#/upload");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, null);
    const file = fileInput.files[0];
    if (!file) {
      formError(form, { message: "Choose a video file to upload." });
      fileInput.focus();
      return;
    }
    if (!tags.commit()) {
      tags.input.focus();
      return;
    }
    let captionsChosen;
    try {
      captionsChosen = await captions.read();
    } catch (error) {
      formError(form, error);
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    const title = titleInput.value.trim();
    const tagList = tags.value();
    const categoryId = category.value();
    const durationSeconds = await lengthOf(file);
    let created;
    try {
      created = await api("POST", "/video", {
        auth: "required",
        body: {
          title,
          description: form.description.value.trim(),
          visibility: form.visibility.value,
          contentType: guessContentType(file),
          sizeBytes: file.size,
          ...(durationSeconds ? { durationSeconds } : {}),
          ...(tagList.length ? { tags: tagList } : {}),
          ...(categoryId ? { category: categoryId } : {}),
        },
      });
    } catch (error) {
      formError(form, explain(error));
      if (error.code === "quota_exceeded") loadQuota({ check: false });
      submit.disabled = false;
      return;
    }
    if (created.quota) {
      quota = created.quota;
      quotaLine.textContent = quotaText(quota, bytes);
    }
    showTracker(title, file);
    pendingCaptions = captionsChosen;
    const { video, upload } = created;
    if (file.size > MULTIPART_THRESHOLD) {
      await sendInParts(video.id, file, title);
      return;
    }
    statusLine.replaceChildren(statusBadge("UPLOADING"), " Sending your video…");
    try {
      await uploadToStorage(upload, file, setUploadProgress, signal);
    } catch (error) {
      if (signal.aborted) return;
      statusLine.replaceChildren(statusBadge("FAILED"), " The upload did not complete.");
      formError(tracker, error);
      form.hidden = false;
      submit.disabled = false;
      return;
    }
    await follow(video.id);
  });

  /** Offer to finish the upload this browser left unfinished (after a reload or a crash). */
  async function offerResume() {
    const pending = pendingUpload(me.id);
    if (!pending) return;
    try {
      const { video } = await api("GET", `/video/${encodeURIComponent(pending.videoId)}`, { auth: "required", signal });
      if (video.status !== "UPLOADING") { clearPending(pending.videoId); return; }
    } catch (error) {
      if (error.status === 404) clearPending(pending.videoId);
      return;
    }
    const again = h("input.file-input", { id: "resume-file", type: "file", accept: "video/*" });
    const chosen = h("span.file-name", {}, "Choose the same file again to continue: the browser cannot keep it across a reload.");
    const resume = h("button.button.button-primary", { type: "button", disabled: true }, "Resume upload");
    const cancel = h("button.button.button-danger-ghost", { type: "button" }, "Cancel upload");
    const box = h("section.resume-panel", { "aria-labelledby": "resume-title" },
      h("h2", { id: "resume-title" }, `Resume upload of ${pending.name}`),
      h("p", {}, `“${pending.title || pending.name}”, ${bytes(pending.size)}, was not finished.`),
      h("label.button", { for: "resume-file" }, `Choose ${pending.name} again`), again, chosen,
      h("div.upload-result", {}, resume, cancel));
    again.addEventListener("change", () => {
      const file = again.files[0];
      formError(box, null);
      if (!file) return;
      if (!sameFile(pending, file)) {
        resume.disabled = true;
        formError(box, { message: `That is not the same file: choose ${pending.name} (${bytes(pending.size)}).` });
        return;
      }
      chosen.textContent = `${file.name} (${bytes(file.size)})`;
      resume.disabled = false;
      resume.focus();
    });
    resume.addEventListener("click", () => {
      const file = again.files[0];
      if (!file || !sameFile(pending, file)) return;
      showTracker(pending.title || pending.name, file);
      sendInParts(pending.videoId, file, pending.title, true);
    });
    cancel.addEventListener("click", () => cancelUpload(pending.videoId));
    resumeBox.replaceChildren(box);
  }

  // Captions chosen with the upload go up once the video plays: their cue times are checked
  // against its length, known after processing.
  let pendingCaptions = null;
  const captionLine = h("p.caption-status", { id: "caption-status", role: "status" });
  async function sendCaptions(videoId) {
    const chosen = pendingCaptions;
    pendingCaptions = null;
    if (!chosen) return;
    processingSlot.after(captionLine);
    captionLine.textContent = `Adding captions (${chosen.language})…`;
    try {
      const caption = await uploadCaptions(videoId, chosen);
      captionLine.textContent = `Captions added: ${caption.label || caption.language}.`;
    } catch (error) {
      if (signal.aborted) return;
      const message = captionError(error, chosen.language);
      captionLine.textContent = `${message} Add them again from My videos, Edit.`;
      showError({ message, code: error.code || "captions_failed" });
    }
  }

  async function follow(videoId) {
    const link = h("a.button.button-primary", { href: `#/watch/${encodeURIComponent(videoId)}` }, "Watch it");
    let last = null;
    while (!signal.aborted) {
      let current;
      try {
        ({ video: current } = await api("GET", `/video/${encodeURIComponent(videoId)}`, { signal }));
      } catch (error) {
        if (signal.aborted) return;
        formError(tracker, error);
        current = null;
      }
      const pending = current?.pendingRenditions?.length || 0;
      const key = current ? `${current.status}:${current.progressPercent ?? ""}:${pending}` : null;
      if (current && key !== last) {
        const wasPublic = last?.startsWith("PUBLIC:");
        last = key;
        const pct = Number.isFinite(current.progressPercent) ? ` ${Math.round(current.progressPercent)}%` : "";
        const text = {
          UPLOADING: " Upload received, waiting for processing to start…",
          PROCESSING: ` Transcoding into adaptive quality levels…${pct}`,
          // Playable at its lowest quality first; the higher ones join as they finish.
          PUBLIC: pending ? ` Your video is ready to watch. Higher quality is still processing…${pct}`
            : " Your video is ready.",
          FAILED: ` Processing failed${current.failureReason ? `: ${current.failureReason}` : "."}`,
        }[current.status] || "";
        statusLine.replaceChildren(statusBadge(current.status), text);
        processingSlot.replaceChildren(...(current.status === "PROCESSING" || current.status === "PUBLIC"
          ? [processingBar(current, { id: "processing-progress" })] : []));
        if (current.status === "PUBLIC" && !wasPublic) {
          result.replaceChildren(link, h("a.button", { href: "#/me/videos" }, "My videos"),
            h("button.button.button-ghost", { type: "button", onclick: () => navigate("#/upload") }, "Upload another"));
          link.focus();
          sendCaptions(videoId);
        }
        if (current.status === "PUBLIC" && !pending) return;
        if (current.status === "FAILED") {
          const retry = h("button.button.button-primary", { type: "button" }, "Retry");
          retry.addEventListener("click", async () => {
            retry.disabled = true;
            try {
              await retryVideo(videoId);
              follow(videoId);
            } catch (error) {
              retry.disabled = false;
              showError(error);
            }
          });
          result.replaceChildren(retry,
            h("button.button", { type: "button", onclick: () => navigate("#/upload") }, "Try another file"));
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  main.append(h("section.page.narrow", {},
    h("h1.page-title", {}, "Upload a video"), resumeBox, form, tracker));
  loadQuota();
  offerResume();
}
