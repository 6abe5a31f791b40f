// Home (the public feed) and search results.

import { h } from "../dom.js";
import { emptyState, pagedGrid } from "../components.js";

export async function renderHome({ main, signal }) {
  document.title = "Tuber";
  const feed = pagedGrid({
    path: "/video", signal, label: "Latest videos",
    empty: () => emptyState("No videos yet", "Be the first to share something.",
      h("a.button.button-primary", { href: "#/upload" }, "Upload a video")),
  });
  main.append(h("section.page", {}, h("h1.page-title", {}, "Latest videos"), feed.element));
  await feed.loaded;
}

export async function renderSearch({ main, query, signal }) {
  const q = (query.get("q") || "").trim();
  document.title = q ? `${q} - Tuber search` : "Search - Tuber";
  const section = h("section.page", {}, h("h1.page-title", {}, q ? `Results for “${q}”` : "Search"));
  main.append(section);
  if (!q) {
    section.append(h("p.muted", {}, "Type a few words from a video's title in the search box."));
    return;
  }
  const results = pagedGrid({
    path: "/video/search", query: { q }, signal, label: `Search results for ${q}`,
    empty: () => emptyState("No results", `No public videos match “${q}”. Try other words.`),
  });
  section.append(results.element);
  await results.loaded;
}
