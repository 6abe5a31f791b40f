// Upload: choose a file and details, send it straight to storage, follow processing live.

import { api, uploadToStorage } from "../api.js";
import { formError } from "../alerts.js";
import { h, icon } from "../dom.js";
import { bytes } from "../format.js";
import { currentUser } from "../session.js";
import { signInHref, statusBadge } from "../components.js";

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

export function renderUpload({ main, signal, navigate }) {
  document.title = "Upload - Tuber";
  if (!currentUser()) {
    navigate(signInHref("#/upload"), { replace: true });
    return;
  }
  const fileInput = h("input.file-input", { id: "file", name: "file", type: "file", accept: "video/*", required: true });
  const fileName = h("span.file-name", { id: "file-name" }, "No file chosen");
  const titleInput = h("input", { id: "title", name: "title", type: "text", required: true, maxlength: 100 });
  const form = h("form.form.upload-form", {},
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
    h("button.button.button-primary.button-wide", { type: "submit" }, "Upload"));

  const progress = h("progress", { id: "upload-progress", max: 100, value: 0, "aria-label": "Upload progress" });
  const progressText = h("span.progress-text", {}, "0%");
  const statusLine = h("p.status-line", { role: "status", "aria-live": "polite" });
  const result = h("div.upload-result");
  const summary = h("p.upload-summary");
  const tracker = h("div.upload-tracker", { hidden: true },
    h("h2", { tabindex: "-1" }, "Your upload"), summary, h("div.progress-row", {}, progress, progressText), statusLine, result);

  const chooseFile = (file) => {
    if (!file) return;
    fileName.textContent = `${file.name} (${bytes(file.size)})`;
    if (!titleInput.value.trim()) titleInput.value = titleFromFile(file.name);
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

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, null);
    const file = fileInput.files[0];
    if (!file) {
      formError(form, { message: "Choose a video file to upload." });
      fileInput.focus();
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    let created;
    try {
      created = await api("POST", "/video", {
        auth: "required",
        body: {
          title: titleInput.value.trim(),
          description: form.description.value.trim(),
          visibility: form.visibility.value,
          contentType: guessContentType(file),
          sizeBytes: file.size,
        },
      });
    } catch (error) {
      formError(form, error);
      submit.disabled = false;
      return;
    }
    form.hidden = true;
    tracker.hidden = false;
    summary.textContent = `“${titleInput.value.trim()}” (${bytes(file.size)})`;
    tracker.querySelector("h2").focus();
    const { video, upload } = created;
    statusLine.replaceChildren(statusBadge("UPLOADING"), " Sending your video…");
    try {
      await uploadToStorage(upload, file, (fraction) => {
        const pct = Math.round(fraction * 100);
        progress.value = pct;
        progressText.textContent = `${pct}%`;
      }, signal);
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
      const key = current ? `${current.status}:${current.progressPercent ?? ""}` : null;
      if (current && key !== last) {
        last = key;
        const pct = Number.isFinite(current.progressPercent) ? ` ${Math.round(current.progressPercent)}%` : "";
        const text = {
          UPLOADING: " Upload received, waiting for processing to start…",
          PROCESSING: ` Transcoding into adaptive quality levels…${pct}`,
          PUBLIC: " Your video is ready.",
          FAILED: ` Processing failed${current.failureReason ? `: ${current.failureReason}` : "."}`,
        }[current.status] || "";
        statusLine.replaceChildren(statusBadge(current.status), text);
        if (current.status === "PUBLIC") {
          result.replaceChildren(link, h("a.button", { href: "#/me/videos" }, "My videos"),
            h("button.button.button-ghost", { type: "button", onclick: () => navigate("#/upload") }, "Upload another"));
          link.focus();
          return;
        }
        if (current.status === "FAILED") {
          result.replaceChildren(h("button.button", { type: "button", onclick: () => navigate("#/upload") }, "Try another file"));
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  main.append(h("section.page.narrow", {},
    h("h1.page-title", {}, "Upload a video"), form, tracker));
}
