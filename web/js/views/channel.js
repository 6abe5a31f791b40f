// A channel (`#/@username`, or `#/channel/{userId}`): its subscriber count, the subscribe
// button and its videos (the owner also sees private and unprocessed ones).

import { api } from "../api.js";
import { h } from "../dom.js";
import { count, displayName } from "../format.js";
import { currentUser } from "../session.js";
import { emptyState, pagedGrid, videoCard } from "../components.js";
import { subscribeBox } from "../subscribe.js";
import { playlistHref } from "../playlists.js";
import { reportButton } from "../reports.js";

/** The channel's playlists (the owner's own: every one), as links; nothing when none. */
function playlistLinks(userId, signal) {
  const list = h("ul.channel-playlists", { "aria-label": "Playlists" });
  const section = h("section", { hidden: true }, h("h2", {}, "Playlists"), list);
  api("GET", `/playlist/user/${encodeURIComponent(userId)}`, { query: { limit: 50 }, signal })
    .then((page) => {
      for (const p of page.items || []) {
        list.append(h("li", {}, h("a.button", { href: playlistHref(p.id) }, `${p.title} (${p.itemCount})`)));
      }
      section.hidden = !list.children.length;
    })
    .catch(() => { /* no playlists shown */ });
  return section;
}

export async function renderChannel({ main, params, signal, navigate }) {
  const [handle] = params;
  const { channel } = await api("GET", `/channel/${encodeURIComponent(handle)}`, { signal });
  const user = channel.user;
  const me = currentUser();
  const mine = me && me.id === user.id;
  const name = displayName(user);
  document.title = `${name} - Tuber`;
  const grid = pagedGrid({
    path: `/video/user/${encodeURIComponent(user.id)}`, signal, label: `Videos by ${name}`,
    card: (video) => videoCard(video, { showOwner: false }),
    empty: () => emptyState("No videos here yet", mine ? "Upload your first video." : null,
      mine ? h("a.button.button-primary", { href: "#/upload" }, "Upload a video") : null),
  });
  const videoCount = Number(channel.videoCount) || 0;
  main.append(h("section.page", {},
    h("header.channel-header", {},
      h("span.avatar.avatar-large", { "aria-hidden": "true" }, name.slice(0, 1).toUpperCase()),
      h("div", {}, h("h1", {}, name),
        h("p.muted", {}, `@${user.username}`, h("span.dot", { "aria-hidden": "true" }, "•"),
          `${count(videoCount)} ${videoCount === 1 ? "video" : "videos"}`),
        subscribeBox(channel, { navigate })),
      mine ? h("a.button", { href: "#/me/videos" }, "Manage videos")
        : reportButton("user", user.id, "channel", { navigate, label: "Report channel" })),
    playlistLinks(user.id, signal),
    h("h2", {}, "Videos"),
    grid.element));
  await grid.loaded;
}
