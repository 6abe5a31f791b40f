// A channel (`#/@username`, or `#/channel/{userId}`): its subscriber count, the subscribe
// button and its videos (the owner also sees private and unprocessed ones).

import { api } from "../api.js";
import { h } from "../dom.js";
import { count, displayName } from "../format.js";
import { currentUser } from "../session.js";
import { emptyState, pagedGrid, videoCard } from "../components.js";
import { subscribeBox } from "../subscribe.js";

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
      mine ? h("a.button", { href: "#/me/videos" }, "Manage videos") : null),
    grid.element));
  await grid.loaded;
}
