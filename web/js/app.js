// Tuber's web client: a hash-routed single page app in plain ES modules.

import { api } from "./api.js";
import { clearAlerts, showError } from "./alerts.js";
import { clear, h, icon } from "./dom.js";
import { displayName } from "./format.js";
import { clearSession, currentUser, getSession, onSessionChange } from "./session.js";
import { renderHome } from "./views/home.js";
import { renderSearch } from "./views/search.js";
import { renderTrending } from "./views/trending.js";
import { renderTag } from "./views/tag.js";
import { renderCategory } from "./views/category.js";
import { renderWatch } from "./views/watch.js";
import { renderUpload } from "./views/upload.js";
import { renderChannel } from "./views/channel.js";
import { renderMyVideos } from "./views/myvideos.js";
import { renderSignIn, renderSignUp } from "./views/auth.js";
import { renderForgot, renderReset, renderSettings, renderVerify } from "./views/account.js";
import { renderNotFound } from "./views/notfound.js";
import { renderSubscriptions } from "./views/subscriptions.js";
import { renderNotifications } from "./views/notifications.js";
import { renderHistory } from "./views/history.js";
import { renderPlaylist } from "./views/playlist.js";
import { renderModeration } from "./views/moderation.js";
import { isModerator } from "./reports.js";
import { notificationBell, refreshUnread } from "./notifications.js";

const ROUTES = [
  [/^\/$/, renderHome],
  [/^\/search$/, renderSearch],
  [/^\/trending$/, renderTrending],
  [/^\/tag\/([^/]+)$/, renderTag],
  [/^\/category\/([^/]+)$/, renderCategory],
  [/^\/watch\/([^/]+)$/, renderWatch],
  [/^\/upload$/, renderUpload],
  [/^\/channel\/([^/]+)$/, renderChannel],
  // A channel by handle: "@username" is what GET /channel/{handle} reads.
  [/^\/(@[^/]+)$/, renderChannel],
  [/^\/subscriptions$/, renderSubscriptions],
  [/^\/notifications$/, renderNotifications],
  [/^\/history$/, renderHistory],
  [/^\/playlist\/([^/]+)$/, renderPlaylist],
  [/^\/moderation$/, renderModeration],
  [/^\/me\/videos$/, renderMyVideos],
  [/^\/signin$/, renderSignIn],
  [/^\/signup$/, renderSignUp],
  [/^\/verify$/, renderVerify],
  [/^\/forgot$/, renderForgot],
  [/^\/reset$/, renderReset],
  [/^\/settings$/, renderSettings],
];

/** The current route: its path, path parameters and query. */
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, qs = ""] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(qs) };
}

export function navigate(hash, { replace = false } = {}) {
  if (replace) {
    history.replaceState(null, "", hash);
    route();
  } else if (location.hash === hash) {
    route();
  } else {
    location.hash = hash;
  }
}

let controller = null;
let firstRender = true;

async function route() {
  if (controller) controller.abort();
  controller = new AbortController();
  const { signal } = controller;
  const { path, query } = parseHash();
  const main = document.getElementById("main");
  clear(main);
  clearAlerts();
  main.removeAttribute("aria-busy");
  window.scrollTo(0, 0);
  document.title = "Tuber"; // each view names its page; one that fails must not keep the last name

  const searchInput = document.getElementById("search-input");
  searchInput.value = path === "/search" ? query.get("q") || "" : "";

  let view = renderNotFound;
  let params = [];
  for (const [pattern, render] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      view = render;
      params = match.slice(1).map(decodeURIComponent);
      break;
    }
  }
  refreshUnread();
  markCurrent(path);
  const ctx = { main, params, query, signal, path, navigate, onModerator: renderAccount };
  try {
    main.setAttribute("aria-busy", "true");
    await view(ctx);
  } catch (error) {
    if (!signal.aborted) {
      showError(error);
      if (!main.firstChild) {
        document.title = "Something went wrong - Tuber";
        main.append(h("section.page.empty", {}, h("h1", { tabindex: "-1" }, "Something went wrong"),
          h("p", {}, "This page could not be loaded."), h("a.button", { href: "#/" }, "Go home")));
      }
    }
  } finally {
    if (!signal.aborted) main.removeAttribute("aria-busy");
  }
  if (!signal.aborted && !firstRender) {
    // Move focus to the new page's heading, as a page load would, for keyboard and screen readers.
    const heading = main.querySelector("h1");
    if (heading) {
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }
  firstRender = false;
}

function renderAccount() {
  const nav = document.getElementById("account-nav");
  clear(nav);
  const user = currentUser();
  const upload = h("a.button.button-ghost", { href: "#/upload", "aria-label": "Upload a video" },
    icon("upload"), h("span.label-wide", {}, "Upload"));
  const trending = h("a.button.button-ghost", { href: "#/trending", "aria-label": "Trending" },
    trendingIcon(), h("span.label-wide", {}, "Trending"));
  if (!user) {
    nav.append(trending, upload, h("a.button.button-primary", { href: "#/signin", "aria-label": "Sign in" }, icon("user"), h("span", {}, "Sign in")));
    return;
  }
  const name = displayName(user);
  // (Element.append writes null as the text "null": the moderation link may be absent.)
  nav.append(...[
    trending,
    upload,
    h("a.button.button-ghost", { href: "#/me/videos", "aria-label": "My videos" },
      icon("videos"), h("span.label-wide", {}, "My videos")),
    h("a.button.button-ghost", { href: "#/subscriptions", "aria-label": "Subscriptions" },
      icon("subscriptions"), h("span.label-wide", {}, "Subscriptions")),
    h("a.button.button-ghost", { href: "#/history", "aria-label": "History" },
      icon("history"), h("span.label-wide", {}, "History")),
    h("a.button.button-ghost", { href: "#/playlist/watch-later", "aria-label": "Watch later" },
      icon("videos"), h("span.label-wide", {}, "Watch later")),
    notificationBell(),
    moderationLink(user),
    h("a.avatar-link", { href: `#/@${encodeURIComponent(user.username)}`, "aria-label": `Your channel (${name})`, title: name },
      h("span.avatar", { "aria-hidden": "true" }, name.slice(0, 1).toUpperCase())),
    h("a.icon-button", { href: "#/settings", "aria-label": "Your account", title: "Your account" },
      icon("settings")),
    h("button.icon-button", { type: "button", "aria-label": "Sign out", title: "Sign out", onclick: signOut },
      icon("signout")),
  ].filter(Boolean));
  markCurrent();
}

// Material's "trending up" arrow, drawn as dom.js draws its icons.
const TRENDING_PATH = "M16 6l2.29 2.29-4.88 4.88-4-4L2 16.59 3.41 18l6-6 4 4 6.3-6.29L22 12V6z";
function trendingIcon() {
  const svg = icon("play");
  svg.querySelector("path").setAttribute("d", TRENDING_PATH);
  return svg;
}

/** The account bar's link to the page shown says so (aria-current), for screen readers. */
function markCurrent(path = parseHash().path) {
  for (const link of document.querySelectorAll("#account-nav a[href^='#/']")) {
    if (link.getAttribute("href") === `#${path}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

/** "Moderation" in the account bar, for a user the queue answered (reports.js). */
function moderationLink(user) {
  return isModerator(user) ? h("a.button.button-ghost", { href: "#/moderation" }, "Moderation") : null;
}

async function signOut() {
  const session = getSession();
  try {
    if (session) await api("POST", "/auth/logout", { body: { refreshToken: session.refreshToken }, auth: "required" });
  } catch (error) {
    if (error.status !== 401) showError(error);
  } finally {
    clearSession();
    navigate("#/");
  }
}

function boot() {
  document.getElementById("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = document.getElementById("search-input").value.trim();
    navigate(q ? `#/search?q=${encodeURIComponent(q)}` : "#/");
  });
  document.querySelector("[data-skip]").addEventListener("click", (event) => {
    event.preventDefault();
    document.getElementById("main").focus();
  });
  onSessionChange(renderAccount);
  renderAccount();
  window.addEventListener("hashchange", route);
  route();
}

boot();
