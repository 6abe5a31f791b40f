// Saving a video: the watch page's "Save" dialog (Watch later, the user's playlists, a new
// playlist), and the watch page's playlist panel that plays a playlist through in order.

import { api } from "./api.js";
import { notify, showError } from "./alerts.js";
import { h } from "./dom.js";
import { currentUser } from "./session.js";
import { signInHref } from "./components.js";

export const WATCH_LATER = "watch-later";

export function playlistHref(id) {
  return `#/playlist/${encodeURIComponent(id)}`;
}

export function watchInListHref(videoId, listId) {
  return `#/watch/${encodeURIComponent(videoId)}?list=${encodeURIComponent(listId)}`;
}

/** GET /playlist/{id} with every page of its items (pages of 100, the API's most): reordering
 * and playing through need the whole order. */
export async function readPlaylist(id, { signal, auth = "optional" } = {}) {
  const path = `/playlist/${encodeURIComponent(id)}`;
  const { playlist } = await api("GET", path, { query: { limit: 100 }, signal, auth });
  let cursor = playlist.nextCursor;
  while (cursor) {
    const { playlist: more } = await api("GET", path, { query: { limit: 100, cursor }, signal, auth });
    playlist.items.push(...(more.items || []));
    playlist.hiddenCount = (playlist.hiddenCount || 0) + (more.hiddenCount || 0);
    cursor = more.nextCursor;
  }
  return playlist;
}

// The outcome is said in the dialog itself (the page behind a modal dialog is inert).
async function addTo(playlistId, title, video, status) {
  status.textContent = "Saving…";
  try {
    await api("POST", `/playlist/${encodeURIComponent(playlistId)}/items`, { body: { videoId: video.id }, auth: "required" });
    status.textContent = `Saved to ${title}.`;
  } catch (error) {
    status.textContent = error.code === "already_in_playlist" ? `Already in ${title}.` : error.message;
  }
}

function saveDialog(video) {
  const me = currentUser();
  const status = h("p.save-status", { role: "status" });
  const target = (id, title) => h("li", {}, h("button.button.save-target", { type: "button", onclick: () => addTo(id, title, video, status) }, title));
  const list = h("ul.save-list", { "aria-label": "Save to" },
    target(WATCH_LATER, "Watch later"));
  const title = h("input", { id: "new-playlist-title", name: "title", required: true, maxlength: "150", autocomplete: "off" });
  const visibility = h("select", { id: "new-playlist-visibility", name: "visibility" },
    h("option", { value: "private" }, "Private"), h("option", { value: "unlisted" }, "Unlisted"),
    h("option", { value: "public" }, "Public"));
  const create = h("form.new-playlist", {},
    h("h3", {}, "New playlist"),
    h("label", { for: "new-playlist-title" }, "Playlist title"), title,
    h("label", { for: "new-playlist-visibility" }, "Visibility"), visibility,
    h("button.button.button-primary", { type: "submit" }, "Create and save"));
  const dialog = h("dialog.dialog.save-dialog", { "aria-labelledby": "save-title" },
    h("h2", { id: "save-title" }, "Save video"), list, create, status,
    h("div.dialog-actions", {}, h("button.button", { type: "button", onclick: () => dialog.close() }, "Done")));
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "Creating…";
    try {
      const { playlist } = await api("POST", "/playlist", { body: { title: title.value, visibility: visibility.value }, auth: "required" });
      await addTo(playlist.id, playlist.title, video, status);
      list.append(target(playlist.id, playlist.title));
      create.reset();
    } catch (error) { status.textContent = error.message; }
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  api("GET", `/playlist/user/${encodeURIComponent(me.id)}`, { query: { limit: 50 }, auth: "required" })
    .then((page) => {
      for (const p of page.items || []) list.append(target(p.id, p.title));
    })
    .catch((error) => { status.textContent = error.message; });
}

/** The watch page's "Save" button. */
export function saveButton(video, navigate) {
  return h("button.button.save-button", {
    type: "button",
    "aria-haspopup": "dialog",
    onclick: () => {
      if (!currentUser()) { notify("Sign in to save videos.", { kind: "info" }); navigate(signInHref()); return; }
      saveDialog(video);
    },
  }, "Save");
}

/** Playing a playlist through: its items beside the player; at the end of the video the next
 * one. Resolves {element} or null when the playlist cannot be read. */
export async function playlistPanel(listId, videoId, media, { signal, navigate }) {
  let playlist;
  try {
    playlist = await readPlaylist(listId, { signal });
  } catch (error) {
    if (!signal.aborted) showError(error);
    return null;
  }
  const items = playlist.items || [];
  const index = items.findIndex((item) => item.video.id === videoId);
  const next = index >= 0 ? items[index + 1] : items[0];
  const list = h("ol.playlist-panel-list", {});
  items.forEach((item, i) => {
    list.append(h(`li${i === index ? ".current" : ""}`, { "aria-current": i === index ? "true" : null },
      h("a", { href: watchInListHref(item.video.id, playlist.id) }, item.video.title)));
  });
  const element = h("section.playlist-panel", { "aria-labelledby": "playlist-panel-title" },
    h("h2", { id: "playlist-panel-title" }, h("a", { href: playlistHref(playlist.id) }, playlist.title)),
    h("p.muted", {}, `${index + 1} / ${items.length}`, next ? ` · Next: ${next.video.title}` : ""),
    list);
  if (next && media) {
    media.addEventListener("ended", () => {
      if (!signal.aborted) navigate(watchInListHref(next.video.id, playlist.id));
    }, { once: true });
  }
  return element;
}
