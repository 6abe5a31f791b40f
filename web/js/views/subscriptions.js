// Subscriptions (`#/subscriptions`): the channels the user follows, and their newest videos.

import { api } from "../api.js";
import { showError } from "../alerts.js";
import { h } from "../dom.js";
import { displayName } from "../format.js";
import { currentUser } from "../session.js";
import { emptyState, pagedGrid, signInHref } from "../components.js";
import { subscriberText } from "../subscribe.js";

function channelChip(item) {
  const name = displayName(item.user);
  return h("li.channel-chip", {},
    h("a", { href: `#/@${encodeURIComponent(item.user.username)}` },
      h("span.avatar.avatar-small", { "aria-hidden": "true" }, name.slice(0, 1).toUpperCase()),
      h("span.channel-chip-name", {}, name)),
    h("span.muted", {}, subscriberText(item.subscriberCount)));
}

export async function renderSubscriptions({ main, signal, navigate }) {
  if (!currentUser()) { navigate(signInHref(), { replace: true }); return; }
  document.title = "Subscriptions - Tuber";
  const channels = h("ul.channel-chips", { "aria-label": "Channels you follow" });
  const grid = pagedGrid({
    path: "/feed/subscriptions", signal, auth: "required", label: "Videos from your subscriptions",
    empty: () => emptyState("No videos yet", "Subscribe to channels to see their new videos here."),
  });
  main.append(h("section.page", {}, h("h1", {}, "Subscriptions"), channels, grid.element));
  try {
    const page = await api("GET", "/me/subscriptions", { query: { limit: 50 }, auth: "required", signal });
    for (const item of page.items || []) channels.append(channelChip(item));
  } catch (error) {
    if (!signal.aborted) showError(error);
  }
  await grid.loaded;
}
