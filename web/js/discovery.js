// Tags and categories in the client: the category list (GET /video/categories, read once),
// tag normalization as the server does it (tuber_common/tags.py), tag and category links,
// video cards that carry them, and search-match highlighting built as DOM nodes.

import { api } from "./api.js";
import { h } from "./dom.js";
import { videoCard } from "./components.js";

export const MAX_TAGS = 15;
export const MAX_TAG_LENGTH = 30;

let categoriesPromise = null;
let categoryLabels = new Map();

/** [{id, label}] from GET /video/categories; fetched once per page load (a fixed list). */
export function loadCategories() {
  if (!categoriesPromise) {
    categoriesPromise = api("GET", "/video/categories", { auth: "none" })
      .then((answer) => {
        const list = (answer && answer.categories) || [];
        categoryLabels = new Map(list.map((c) => [c.id, c.label]));
        return list;
      })
      .catch((error) => { categoriesPromise = null; throw error; });
  }
  return categoriesPromise;
}

/** The label of a category id once loadCategories() answered (the id itself before). */
export function categoryLabel(id) {
  return categoryLabels.get(id) || id;
}

/**
 * A tag as the server stores it (tuber_common/tags.py): NFKC, case-folded, whitespace
 * collapsed, leading '#' dropped. Returns "" for nothing left; tagProblem() says the rest.
 */
export function normalizeTag(text) {
  // toLowerCase + "ß" and final sigma: the part of Python's casefold() tags meet in practice.
  const folded = String(text || "").normalize("NFKC").toLowerCase().replace(/ß/gu, "ss").replace(/ς/gu, "σ")
    .normalize("NFKC");
  return folded.split(/\s+/u).filter(Boolean).join(" ").replace(/^#+/u, "").trim();
}

const TAG_CHARS = /^[\p{L}\p{N}\p{M} \-_.+&']+$/u;

/** Why the server would refuse a normalized tag, or null. */
export function tagProblem(tag) {
  if ([...tag].length > MAX_TAG_LENGTH) return `“${tag}” is too long: tags are at most ${MAX_TAG_LENGTH} characters.`;
  if (!TAG_CHARS.test(tag)) return `“${tag}”: tags hold letters, digits, spaces and - _ . + & ' only.`;
  if (!/[\p{L}\p{N}]/u.test(tag)) return `“${tag}”: a tag needs a letter or a digit.`;
  return null;
}

export function tagHref(tag) {
  return `#/tag/${encodeURIComponent(tag)}`;
}

export function categoryHref(id) {
  return `#/category/${encodeURIComponent(id)}`;
}

/** A link to a tag's page: "#music". */
export function tagLink(tag, className = "tag-link") {
  return h(`a.${className}`, { href: tagHref(tag) }, `#${tag}`);
}

/** A link to the video's category page, or null when it has none. */
export function categoryLink(video, className = "category-link") {
  if (!video || !video.category) return null;
  const link = h(`a.${className}`, { href: categoryHref(video.category) }, categoryLabel(video.category));
  // Built before the list answered: the label follows when it does.
  if (!categoryLabels.has(video.category)) {
    loadCategories().then(() => { link.textContent = categoryLabel(video.category); }).catch(() => {});
  }
  return link;
}

/**
 * The video's category and tags as links (a labelled list), for cards and the watch page;
 * null when it has neither. `max` limits the tags shown (cards show a few).
 */
export function taxonomyLinks(video, { max = MAX_TAGS } = {}) {
  const tags = (video && Array.isArray(video.tags) ? video.tags : []).slice(0, max);
  const category = categoryLink(video);
  if (!category && !tags.length) return null;
  const items = [];
  if (category) items.push(h("li.taxonomy-category", {}, category));
  for (const tag of tags) items.push(h("li", {}, tagLink(tag)));
  return h("ul.taxonomy", { "aria-label": `Category and tags of ${video.title}` }, items);
}

/** videoCard with its category and first tags as links under the meta line. */
export function discoveryCard(video, options = {}) {
  const card = videoCard(video, options);
  const links = taxonomyLinks(video, { max: 3 });
  if (links) (card.querySelector(".card-text") || card).append(links);
  return card;
}

// ---- Highlighting search matches ----

const WORD = /[\p{L}\p{N}\p{M}_]+/gu;

/** Case- and accent-folded text, as the server compares words (tuber_common.search_terms). */
export function fold(text) {
  return String(text).normalize("NFKD").toLowerCase().replace(/ß/gu, "ss").replace(/ς/gu, "σ")
    .normalize("NFKD").replace(/\p{M}/gu, "");
}

/** The query's words, folded: what each word of a title may start with. */
export function queryTerms(q) {
  return [...new Set(fold(q).match(WORD) || [])];
}

/**
 * `text` as nodes with the word prefixes that match a term inside <mark>: "Zebra" for "zeb"
 * is <mark>Zeb</mark>ra. Only text nodes are made from `text` (it comes from users).
 */
export function highlight(text, terms) {
  const source = String(text || "");
  const nodes = [];
  let last = 0;
  if (terms.length) {
    for (const match of source.matchAll(WORD)) {
      const word = match[0];
      const folded = fold(word);
      const term = terms.filter((t) => folded.startsWith(t)).sort((a, b) => b.length - a.length)[0];
      if (!term) continue;
      // The shortest prefix of the original word whose folded form covers the term.
      let end = 1;
      while (end < word.length && fold(word.slice(0, end)).length < term.length) end += 1;
      const start = match.index;
      if (start > last) nodes.push(document.createTextNode(source.slice(last, start)));
      nodes.push(h("mark", {}, word.slice(0, end)));
      last = start + end;
    }
  }
  if (last < source.length) nodes.push(document.createTextNode(source.slice(last)));
  return nodes;
}
