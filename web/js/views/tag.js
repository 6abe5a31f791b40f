// A tag's page (#/tag/{tag}): its videos, newest first (GET /video/tag/{tag}).

import { h } from "../dom.js";
import { emptyState, pagedGrid } from "../components.js";
import { discoveryCard, loadCategories, normalizeTag, tagProblem } from "../discovery.js";

export async function renderTag({ main, params, signal, navigate }) {
  const tag = normalizeTag(params[0]);
  const problem = tag ? tagProblem(tag) : "A tag cannot be empty.";
  if (problem) {
    document.title = "Tag not found - Tuber";
    main.append(h("section.page.empty", {}, h("h1", {}, "No such tag"),
      h("p", {}, problem), h("a.button", { href: "#/" }, "Go home")));
    return;
  }
  // One address per tag: "#/tag/Music" shows as "#/tag/music".
  if (tag !== params[0]) {
    navigate(`#/tag/${encodeURIComponent(tag)}`, { replace: true });
    return;
  }
  document.title = `#${tag} - Tuber`;
  loadCategories().catch(() => {}); // side by side with the page: card labels follow it
  const feed = pagedGrid({
    path: `/video/tag/${encodeURIComponent(tag)}`, signal, label: `Videos tagged ${tag}`, card: discoveryCard,
    empty: () => emptyState("No videos with this tag", `No public videos are tagged “${tag}” yet.`),
  });
  main.append(h("section.page", {},
    h("h1.page-title", {}, h("span.visually-hidden", {}, "Tag: "), `#${tag}`),
    feed.element));
  await feed.loaded;
}
