// Trending: listed PUBLIC videos ranked by recent views with time decay (GET /video/trending).

import { h } from "../dom.js";
import { emptyState, pagedGrid } from "../components.js";
import { discoveryCard } from "../discovery.js";
import { categoryNav } from "./home.js";

export async function renderTrending({ main, signal }) {
  document.title = "Trending - Tuber";
  const feed = pagedGrid({
    path: "/video/trending", signal, label: "Trending videos", card: discoveryCard,
    empty: () => emptyState("Nothing trending yet", "Videos people watch in the coming hours show up here.",
      h("a.button", { href: "#/" }, "See the latest videos")),
  });
  const nav = await categoryNav("trending");
  if (signal.aborted) return;
  main.append(h("section.page", {},
    h("h1.page-title", {}, "Trending"),
    nav,
    h("p.muted.page-intro", {}, "The videos watched most in the last days, recent views counting most."),
    feed.element));
  await feed.loaded;
}
