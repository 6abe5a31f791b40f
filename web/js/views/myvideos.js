// My videos: every video of the signed-in user with its status (live transcode progress),
// edit (details, comments and ratings on/off), custom thumbnail, retry of a failed one, delete.

import { api, uploadToStorage } from "../api.js";
import { formError, notify, showError } from "../alerts.js";
import { h } from "../dom.js";
import { ago, count, views } from "../format.js";
import { currentUser } from "../session.js";
import { confirmDialog, emptyState, processingBar, retryVideo, signInHref, statusBadge, thumbnail } from "../components.js";
import { captionsManager, categorySelect, tagsInput } from "../video-fields.js";

const THUMBNAIL_TYPES = ["image/png", "image/jpeg", "image/webp"];
const THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024;

/** Custom thumbnail: POST /video/{id}/thumbnail, the file to the presigned POST, PUT to confirm. */
async function uploadThumbnail(video, file) {
  const contentType = (file.type || "").toLowerCase();
  if (!THUMBNAIL_TYPES.includes(contentType)) {
    throw { message: "Choose a PNG, JPEG or WebP image for the thumbnail." };
  }
  if (file.size > THUMBNAIL_MAX_BYTES) throw { message: "The thumbnail must be 2 MB or smaller." };
  const path = `/video/${encodeURIComponent(video.id)}/thumbnail`;
  const { upload, thumbnailKey } = await api("POST", path, { auth: "required", body: { contentType, sizeBytes: file.size } });
  await uploadToStorage(upload, file, () => {});
  const answer = await api("PUT", path, { auth: "required", body: { thumbnailKey } });
  return answer.video;
}

const POLL_MS = 3000;
const VISIBILITY = { public: "Public", unlisted: "Unlisted", private: "Private" };

function editDialog(video) {
  return new Promise((resolve) => {
    const tags = tagsInput({ id: "edit-video-tags", initial: video.tags });
    const category = categorySelect({ id: "edit-video-category", value: video.category || null });
    // Captions change at once (their own routes), not with Save: outcomes are said here.
    const captionRegion = h("div.caption-outcome");
    const captions = captionsManager({ video, idPrefix: "edit-captions", region: captionRegion });
    // The list's items may not carry captions: the video's own answer does.
    api("GET", `/video/${encodeURIComponent(video.id)}`, { auth: "required" })
      .then(({ video: full }) => { if (full && full.captions) captions.set(full.captions); })
      .catch(() => {});
    const form = h("form.form", { method: "dialog" },
      h("h2", { id: "edit-title" }, "Edit video"),
      h("div.field", {}, h("label", { for: "edit-video-title" }, "Title"),
        h("input", { id: "edit-video-title", name: "title", required: true, maxlength: 100, value: video.title })),
      h("div.field", {}, h("label", { for: "edit-video-description" }, "Description"),
        h("textarea", { id: "edit-video-description", name: "description", rows: 4, maxlength: 5000 })),
      h("div.field", {}, h("label", { for: "edit-video-visibility" }, "Visibility"),
        h("select", { id: "edit-video-visibility", name: "visibility" },
          ...Object.entries(VISIBILITY).map(([value, label]) =>
            h("option", { value, selected: video.visibility === value }, label)))),
      category.element,
      tags.element,
      h("fieldset.field.controls", {}, h("legend", {}, "Viewers may"),
        h("label.control-toggle", {}, h("input", { type: "checkbox", name: "commentsEnabled", checked: video.commentsEnabled !== false }),
          "Allow comments"),
        h("label.control-toggle", {}, h("input", { type: "checkbox", name: "ratingsEnabled", checked: video.ratingsEnabled !== false }),
          "Allow likes and dislikes")),
      captions.element,
      captionRegion,
      h("div.dialog-actions", {},
        h("button.button", { type: "button", value: "cancel" }, "Cancel"),
        h("button.button.button-primary", { type: "submit" }, "Save")));
    form.description.value = video.description || "";
    const dialog = h("dialog.dialog", { "aria-labelledby": "edit-title" }, form);
    let saved = null;
    form.querySelector("button[value=cancel]").addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      formError(form, null);
      if (!tags.commit()) { tags.input.focus(); return; }
      const save = form.querySelector("button[type=submit]");
      save.disabled = true;
      try {
        const answer = await api("PATCH", `/video/${encodeURIComponent(video.id)}`, {
          auth: "required",
          body: {
            title: form.title.value.trim(), description: form.description.value.trim(), visibility: form.visibility.value,
            commentsEnabled: form.commentsEnabled.checked, ratingsEnabled: form.ratingsEnabled.checked,
            // Only when changed: the rest of the form works whatever the video's fields.
            ...(tags.value().join("\n") !== (video.tags || []).join("\n") ? { tags: tags.value() } : {}),
            ...(category.value() !== (video.category || null) ? { category: category.value() } : {}),
          },
        });
        saved = answer.video;
        dialog.close();
      } catch (error) {
        formError(form, error);
      } finally {
        save.disabled = false;
      }
    });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(saved); });
    document.body.append(dialog);
    dialog.showModal();
    form.title.focus();
  });
}

export async function renderMyVideos({ main, signal, navigate }) {
  document.title = "My videos - Tuber";
  const me = currentUser();
  if (!me) {
    navigate(signInHref("#/me/videos"), { replace: true });
    return;
  }
  const list = h("ul.manage-list", { "aria-label": "Your videos" });
  const more = h("button.button.button-wide", { type: "button", hidden: true }, "More videos");
  const section = h("section.page", {},
    h("div.page-head", {}, h("h1.page-title", {}, "My videos"),
      h("a.button.button-primary", { href: "#/upload" }, "Upload")),
    list, more);
  main.append(section);
  let cursor = null;
  const rows = new Map();

  function row(video) {
    const li = h("li.manage-row", { "data-video-id": video.id });
    const thumbInput = h("input.file-input", { type: "file", accept: THUMBNAIL_TYPES.join(","),
      "aria-label": `Thumbnail image for ${video.title}` });
    thumbInput.addEventListener("change", changeThumbnail);
    const paint = () => {
      const href = `#/watch/${encodeURIComponent(video.id)}`;
      const off = [video.commentsEnabled === false ? "comments off" : null, video.ratingsEnabled === false ? "ratings off" : null]
        .filter(Boolean);
      li.replaceChildren(
        h("a.manage-thumb", { href, tabindex: "-1", "aria-hidden": "true" }, thumbnail(video, { size: "small" })),
        h("div.manage-info", {},
          h("h2.manage-title", {}, h("a", { href }, video.title)),
          h("p.card-meta", {}, statusBadge(video.status), h("span.badge", {}, VISIBILITY[video.visibility] || video.visibility),
            h("span", {}, views(video.viewCount)), h("span", {}, `${count(video.likeCount)} likes`),
            h("span", {}, `${count(video.commentCount)} comments`),
            h("time", { datetime: video.createdAt || "" }, `uploaded ${ago(video.createdAt)}`),
            off.length ? h("span.controls-off", {}, off.join(", ")) : null),
          video.status === "PROCESSING" ? processingBar(video) : null,
          video.status === "FAILED" ? h("p.error-text.failure-reason", {}, video.failureReason || "Processing failed.") : null),
        h("div.manage-actions", {},
          video.status === "FAILED" ? h("button.button.button-primary", { type: "button", "aria-label": `Retry ${video.title}`, onclick: retry }, "Retry") : null,
          h("button.button", { type: "button", "aria-label": `Edit ${video.title}`, onclick: edit }, "Edit"),
          h("button.button", { type: "button", "aria-label": `Change thumbnail of ${video.title}`, onclick: () => thumbInput.click() }, "Change thumbnail"),
          video.customThumbnail ? h("button.button.button-ghost", { type: "button", "aria-label": `Use generated thumbnail for ${video.title}`, onclick: resetThumbnail }, "Use generated thumbnail") : null,
          h("button.button.button-danger-ghost", { type: "button", "aria-label": `Delete ${video.title}`, onclick: remove }, "Delete"),
          thumbInput));
    };
    async function retry(event) {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        Object.assign(video, await retryVideo(video.id));
        paint();
        notify("Processing again.", { kind: "success" });
      } catch (error) {
        button.disabled = false;
        showError(error);
      }
    }
    async function changeThumbnail() {
      const file = thumbInput.files[0];
      if (!file) return;
      try {
        Object.assign(video, await uploadThumbnail(video, file));
        paint();
        notify("Thumbnail updated.", { kind: "success" });
      } catch (error) {
        showError(error);
      } finally {
        thumbInput.value = "";
      }
    }
    async function resetThumbnail() {
      try {
        const answer = await api("DELETE", `/video/${encodeURIComponent(video.id)}/thumbnail`, { auth: "required" });
        Object.assign(video, answer.video);
        paint();
        notify("Back to the generated thumbnail.", { kind: "success" });
      } catch (error) {
        showError(error);
      }
    }
    async function edit(event) {
      const opener = event.currentTarget;
      const updated = await editDialog(video);
      if (updated) {
        Object.assign(video, updated);
        paint();
        notify("Video updated.", { kind: "success" });
        li.querySelector(".manage-actions button").focus();
      } else {
        opener.focus();
      }
    }
    async function remove(event) {
      const opener = event.currentTarget;
      const ok = await confirmDialog({
        title: "Delete this video?",
        text: `“${video.title}” and its comments, likes and views will be deleted for good.`,
      });
      if (!ok) { opener.focus(); return; }
      try {
        await api("DELETE", `/video/${encodeURIComponent(video.id)}`, { auth: "required" });
        li.remove();
        rows.delete(video.id);
        notify("Video deleted.", { kind: "success" });
        if (!rows.size && !cursor) list.replaceWith(emptyState("No videos yet", "Your uploads will show up here."));
      } catch (error) {
        showError(error);
      }
    }
    paint();
    rows.set(video.id, { video, paint });
    return li;
  }

  async function load() {
    more.disabled = true;
    try {
      const page = await api("GET", `/video/user/${encodeURIComponent(me.id)}`, { query: { cursor, limit: 50 }, auth: "required", signal });
      for (const video of page.items || []) list.append(row(video));
      cursor = page.nextCursor || null;
      more.hidden = !cursor;
      if (!rows.size) {
        list.replaceWith(emptyState("No videos yet", "Your uploads will show up here.",
          h("a.button.button-primary", { href: "#/upload" }, "Upload a video")));
      }
    } catch (error) {
      if (!signal.aborted) showError(error);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", load);
  await load();

  // Keep the status of videos still in flight up to date.
  (async () => {
    while (!signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const pending = [...rows.values()].filter(({ video }) => video.status === "UPLOADING" || video.status === "PROCESSING");
      if (signal.aborted || !pending.length) continue;
      for (const entry of pending) {
        try {
          const { video } = await api("GET", `/video/${encodeURIComponent(entry.video.id)}`, { signal });
          if (video.status !== entry.video.status || video.progressPercent !== entry.video.progressPercent) {
            Object.assign(entry.video, video);
            entry.paint();
          }
        } catch {
          // Transient: try again on the next round.
        }
      }
    }
  })();
}
