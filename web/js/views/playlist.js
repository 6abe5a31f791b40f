// A playlist (`#/playlist/{id}`, `#/playlist/watch-later`): its videos in order, "Play all";
// the owner reorders them by drag and drop or by keyboard (Move up / Move down, or Alt+Arrow
// on a focused item; the move is announced) and removes them.

import { api } from "../api.js";
import { showError } from "../alerts.js";
import { h } from "../dom.js";
import { currentUser } from "../session.js";
import { channelLink, confirmDialog, emptyState, thumbnail } from "../components.js";
import { WATCH_LATER, readPlaylist, watchInListHref } from "../playlists.js";

export async function renderPlaylist({ main, params, signal, navigate }) {
  const [playlistId] = params;
  const playlist = await readPlaylist(playlistId, { signal, auth: playlistId === WATCH_LATER ? "required" : "optional" });
  document.title = `${playlist.title} - Tuber`;
  const me = currentUser();
  const mine = Boolean(me && playlist.owner && playlist.owner.id === me.id);
  const announce = h("p.visually-hidden", { role: "status", "aria-live": "polite" });
  const list = h("ol.playlist-items", { "aria-label": `Videos in ${playlist.title}` });
  const countEl = h("span.playlist-count");
  const play = h("a.button.button-primary", {}, "Play all");
  const actions = h("div.page-actions", {}, play);
  if (mine && playlist.kind !== "watchLater") {
    const remove = h("button.button.button-danger", { type: "button" }, "Delete playlist");
    remove.addEventListener("click", async () => {
      if (!(await confirmDialog({ title: `Delete ${playlist.title}?`, text: "The playlist goes; its videos stay." }))) return;
      try {
        await api("DELETE", `/playlist/${encodeURIComponent(playlist.id)}`, { auth: "required" });
        navigate("#/");
      } catch (error) { showError(error); }
    });
    actions.append(remove);
  }
  main.append(h("section.page.playlist", {},
    h("header.page-header", {},
      h("div", {}, h("h1", {}, playlist.title),
        h("p.muted", {}, playlist.owner ? channelLink(playlist.owner) : null, h("span.dot", { "aria-hidden": "true" }, "•"),
          countEl, h("span.dot", { "aria-hidden": "true" }, "•"), playlist.visibility),
        playlist.description ? h("p", {}, playlist.description) : null),
      actions),
    announce, list));

  const rows = () => Array.from(list.children);
  function paint() {
    const all = rows();
    countEl.textContent = `${all.length} ${all.length === 1 ? "video" : "videos"}`;
    all.forEach((li, i) => {
      li.querySelector(".playlist-position").textContent = String(i + 1);
      const up = li.querySelector(".move-up");
      const down = li.querySelector(".move-down");
      if (up) up.disabled = i === 0;
      if (down) down.disabled = i === all.length - 1;
    });
    const first = all[0];
    if (first) play.setAttribute("href", watchInListHref(first.dataset.videoId, playlist.id));
    play.hidden = !first;
    if (!first && !list.nextSibling) list.after(emptyState("No videos yet", "Save videos from the watch page."));
  }

  /** Move `li` to index `to` (0-based), here and then on the server; put it back if refused. */
  async function move(li, to, { focus = false } = {}) {
    const all = rows();
    const from = all.indexOf(li);
    if (to < 0 || to >= all.length || to === from) return;
    const title = li.dataset.title;
    const place = (index) => {
      const others = rows().filter((x) => x !== li);
      if (index >= others.length) list.append(li); else list.insertBefore(li, others[index]);
      paint();
    };
    place(to);
    if (focus) li.focus();
    try {
      await api("PUT", `/playlist/${encodeURIComponent(playlist.id)}/items/${encodeURIComponent(li.dataset.videoId)}`,
        { body: { position: to }, auth: "required" });
      announce.textContent = `Moved ${title} to position ${to + 1} of ${all.length}.`;
    } catch (error) {
      place(from);
      showError(error);
    }
  }

  let dragged = null;
  function row(item) {
    const video = item.video;
    const href = watchInListHref(video.id, playlist.id);
    const li = h("li.playlist-item", { "data-video-id": video.id, "data-title": video.title },
      h("span.playlist-position", { "aria-hidden": "true" }),
      h("a.history-thumb", { href, tabindex: "-1", "aria-hidden": "true" }, thumbnail(video, { size: "small" })),
      h("div.playlist-item-text", {},
        h("h2.playlist-item-title", {}, h("a", { href }, video.title)),
        h("p.card-meta", {}, channelLink(video.owner))));
    if (!mine) return li;
    li.tabIndex = 0;
    li.draggable = true;
    li.setAttribute("aria-label", `${video.title}: Alt+Up or Alt+Down moves it`);
    const up = h("button.button.button-small.move-up", { type: "button", "aria-label": `Move ${video.title} up` }, "↑");
    const down = h("button.button.button-small.move-down", { type: "button", "aria-label": `Move ${video.title} down` }, "↓");
    const remove = h("button.button.button-small", { type: "button", "aria-label": `Remove ${video.title} from ${playlist.title}` }, "Remove");
    up.addEventListener("click", () => move(li, rows().indexOf(li) - 1));
    down.addEventListener("click", () => move(li, rows().indexOf(li) + 1));
    remove.addEventListener("click", async () => {
      try {
        await api("DELETE", `/playlist/${encodeURIComponent(playlist.id)}/items/${encodeURIComponent(video.id)}`, { auth: "required" });
        li.remove();
        paint();
        announce.textContent = `Removed ${video.title}.`;
      } catch (error) { showError(error); }
    });
    li.append(h("div.playlist-item-actions", {}, up, down, remove));
    li.addEventListener("keydown", (event) => {
      if (event.target !== li || !event.altKey) return;
      if (event.key === "ArrowUp" || event.key === "ArrowDown") {
        event.preventDefault();
        move(li, rows().indexOf(li) + (event.key === "ArrowUp" ? -1 : 1), { focus: true });
      }
    });
    li.addEventListener("dragstart", (event) => {
      dragged = li;
      li.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", video.id);
    });
    li.addEventListener("dragend", () => { li.classList.remove("dragging"); dragged = null; });
    li.addEventListener("dragover", (event) => { if (dragged && dragged !== li) event.preventDefault(); });
    li.addEventListener("drop", (event) => {
      event.preventDefault();
      if (dragged && dragged !== li) move(dragged, rows().indexOf(li));
    });
    return li;
  }
  for (const item of playlist.items || []) list.append(row(item));
  if (playlist.hiddenCount) list.after(h("p.muted", {}, `${playlist.hiddenCount} unavailable videos are hidden.`));
  paint();
}
