// A category's page (#/category/{id}): its videos, newest first (GET /video?category=).

import { h } from "../dom.js";
import { emptyState, pagedGrid } from "../components.js";
import { discoveryCard, loadCategories } from "../discovery.js";
import { categoryNav } from "./home.js";

export async function renderCategory({ main, params, signal }) {
  const id = params[0];
  const categories = await loadCategories();
  if (signal.aborted) return;
  const category = categories.find((c) => c.id === id);
  if (!category) {
    document.title = "Category not found - Tuber";
    const nav = await categoryNav(null);
    if (signal.aborted) return;
    main.append(h("section.page.empty", {}, h("h1", {}, "No such category"),
      h("p", {}, "Choose one of the categories below."), nav));
    return;
  }
  document.title = `${category.label} - Tuber`;
  const feed = pagedGrid({
    path: "/video", query: { category: id }, signal, label: `${category.label} videos`, card: discoveryCard,
    empty: () => emptyState(`No ${category.label} videos yet`, "Videos put in this category show up here.",
      h("a.button.button-primary", { href: "#/upload" }, "Upload a video")),
  });
  const nav = await categoryNav(id);
  if (signal.aborted) return;
  main.append(h("section.page", {}, h("h1.page-title", {}, category.label), nav, feed.element));
  await feed.loaded;
}
