// Search results (GET /video/search: word prefixes over titles, tags and descriptions; title
// matches first): the matching prefixes marked in titles and descriptions, "Load more" by
// cursor, and the count announced in a live region.

import { api } from "../api.js";
import { showError } from "../alerts.js";
import { h } from "../dom.js";
import { emptyState } from "../components.js";
import { discoveryCard, highlight, loadCategories, queryTerms } from "../discovery.js";

// window.TUBER_SEARCH_PAGE_SIZE overrides it (tests page through a few results).
const PAGE_DEFAULT = 24;
const SNIPPET = 160;

/** The description's first lines, starting near the first match when it is further on. */
function snippet(description, terms) {
  const text = String(description || "").replace(/\s+/gu, " ").trim();
  if (text.length <= SNIPPET) return text;
  const marks = highlight(text, terms).filter((n) => n.nodeName === "MARK");
  let start = 0;
  if (marks.length) {
    const at = text.indexOf(marks[0].textContent);
    if (at > SNIPPET - 40) start = text.lastIndexOf(" ", at - 20) + 1;
  }
  const body = text.slice(start, start + SNIPPET);
  return `${start ? "…" : ""}${body}${start + SNIPPET < text.length ? "…" : ""}`;
}

function resultCard(video, terms) {
  const card = discoveryCard(video);
  const link = card.querySelector(".card-title a");
  if (link) link.replaceChildren(...highlight(video.title, terms));
  const text = snippet(video.description, terms);
  if (text) {
    const meta = card.querySelector(".card-text");
    meta.insertBefore(h("p.search-snippet", {}, highlight(text, terms)), meta.querySelector(".taxonomy"));
  }
  card.setAttribute("role", "listitem");
  return card;
}

export async function renderSearch({ main, query, signal }) {
  const q = (query.get("q") || "").trim();
  document.title = q ? `${q} - Tuber search` : "Search - Tuber";
  const section = h("section.page.search-page", {}, h("h1.page-title", {}, q ? `Results for “${q}”` : "Search"));
  main.append(section);
  if (!q) {
    section.append(h("p.muted", {}, "Type the start of words from a video's title, tags or description in the search box."));
    return;
  }
  const terms = queryTerms(q);
  const list = h("div.grid.search-results", { role: "list", "aria-label": `Search results for ${q}` });
  const status = h("p.search-count", { role: "status", "aria-live": "polite" });
  const more = h("button.button.button-wide", { type: "button" }, "Load more");
  const footer = h("div.grid-footer", {}, more);
  footer.hidden = true;
  section.append(status, list, footer);
  let cursor = null;

  async function load() {
    more.disabled = true;
    more.textContent = "Loading…";
    const before = list.children.length;
    try {
      const page = await api("GET", "/video/search", { query: { q, cursor, limit: Number(window.TUBER_SEARCH_PAGE_SIZE) || PAGE_DEFAULT }, signal });
      for (const item of page.items || []) list.append(resultCard(item, terms));
      cursor = page.nextCursor || null;
      const shown = list.children.length;
      footer.hidden = !cursor;
      if (!shown) {
        status.textContent = "No results.";
        list.replaceWith(emptyState("No results", `No public videos match “${q}”. Try other words or the start of a word.`));
        return;
      }
      status.textContent = `${shown} ${shown === 1 ? "result" : "results"} for “${q}”${cursor ? ", more available" : ""}.`;
      // After "Load more": on to the first new result, so keyboard users carry on from there.
      if (before && shown > before) list.children[before].querySelector(".card-title a")?.focus();
    } catch (error) {
      if (!signal.aborted) showError(error);
    } finally {
      more.disabled = false;
      more.textContent = "Load more";
    }
  }
  more.addEventListener("click", () => load());
  // Labels for the category links, side by side with the page (a failure leaves the ids).
  loadCategories().catch(() => {});
  await load();
}
