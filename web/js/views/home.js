// Home (the public feed) with the category chooser, and the chooser itself (category pages).

import { h } from "../dom.js";
import { emptyState, pagedGrid } from "../components.js";
import { categoryHref, discoveryCard, loadCategories } from "../discovery.js";

/**
 * Links to "All", Trending and every category, the current one marked (aria-current):
 * a labelled navigation list of chips, each one Tab stop.
 */
export async function categoryNav(current = "") {
  const nav = h("nav.category-nav", { "aria-label": "Browse by category" });
  const chip = (href, label, here) => h("li", {},
    h("a.chip", { href, "aria-current": here ? "page" : null }, label));
  let categories = [];
  try {
    categories = await loadCategories();
  } catch {
    // Without the list the page still works: only "All" and Trending are offered.
  }
  nav.append(h("ul.chips", {},
    chip("#/", "All", current === ""),
    chip("#/trending", "Trending", current === "trending"),
    categories.map((c) => chip(categoryHref(c.id), c.label, current === c.id))));
  return nav;
}

export async function renderHome({ main, signal }) {
  document.title = "Tuber";
  // The feed's first page and the category list load side by side.
  const feed = pagedGrid({
    path: "/video", signal, label: "Latest videos", card: discoveryCard,
    empty: () => emptyState("No videos yet", "Be the first to share something.",
      h("a.button.button-primary", { href: "#/upload" }, "Upload a video")),
  });
  const nav = await categoryNav("");
  if (signal.aborted) return; // left while the categories loaded: this page is gone
  main.append(h("section.page", {}, h("h1.page-title", {}, "Latest videos"), nav, feed.element));
  await feed.loaded;
}
