// A channel: one user's videos (the owner also sees private and unprocessed ones).

import { api } from "../api.js";
import { h } from "../dom.js";
import { displayName } from "../format.js";
import { currentUser } from "../session.js";
import { emptyState, pagedGrid, videoCard } from "../components.js";

async function lookupUser(userId, signal) {
  try {
    const answer = await api("POST", "/auth/populate", { body: { ids: [userId] }, auth: "none", signal });
    return (answer.users || [])[0] || null;
  } catch {
    return null;
  }
}

export async function renderChannel({ main, params, signal }) {
  const [userId] = params;
  const me = currentUser();
  const mine = me && me.id === userId;
  const user = mine ? me : await lookupUser(userId, signal);
  const name = user ? displayName(user) : "Channel";
  document.title = `${name} - Tuber`;
  const grid = pagedGrid({
    path: `/video/user/${encodeURIComponent(userId)}`, signal, label: `Videos by ${name}`,
    card: (video) => videoCard(video, { showOwner: false }),
    empty: () => emptyState("No videos here yet", mine ? "Upload your first video." : null,
      mine ? h("a.button.button-primary", { href: "#/upload" }, "Upload a video") : null),
  });
  main.append(h("section.page", {},
    h("header.channel-header", {},
      h("span.avatar.avatar-large", { "aria-hidden": "true" }, name.slice(0, 1).toUpperCase()),
      h("div", {}, h("h1", {}, name), user && user.username && user.displayName !== user.username
        ? h("p.muted", {}, `@${user.username}`) : null),
      mine ? h("a.button", { href: "#/me/videos" }, "Manage videos") : null),
    grid.element));
  await grid.loaded;
}
