// The notification bell in the top bar: the unread count (GET /notification/unread-count),
// read again on every navigation and every 60 s while the page is visible, and the text of
// one notification for the list (views/notifications.js).

import { api } from "./api.js";
import { h, icon } from "./dom.js";
import { currentUser } from "./session.js";

const POLL_MS = 60_000;
let bell = null;
let badge = null;
let timer = null;
let asking = null;

function label(n) {
  if (!n) return "Notifications";
  return `Notifications (${n >= 1000 ? "999+" : n} unread)`;
}

/** Show `n` unread (the count the API answered). */
export function showUnread(n) {
  if (!bell) return;
  const value = Number(n) || 0;
  badge.textContent = value >= 1000 ? "999+" : String(value);
  badge.hidden = value === 0;
  bell.setAttribute("aria-label", label(value));
  bell.title = label(value);
}

/** Ask the API for the unread count (one request at a time; nothing when signed out). */
export function refreshUnread() {
  if (!bell || !currentUser() || asking) return asking;
  asking = api("GET", "/notification/unread-count", { auth: "required" })
    .then((answer) => showUnread(answer.unreadCount))
    .catch(() => { /* the count stays as it was; the next navigation asks again */ })
    .finally(() => { asking = null; });
  return asking;
}

/** The bell link for the account bar (a new one per render of the bar). */
export function notificationBell() {
  badge = h("span.bell-badge", { "aria-hidden": "true", hidden: true });
  bell = h("a.icon-button.bell", { href: "#/notifications", "aria-label": label(0), title: label(0) },
    icon("bell"), badge);
  refreshUnread();
  return bell;
}

function poll() {
  clearInterval(timer);
  timer = setInterval(() => { if (document.visibilityState === "visible") refreshUnread(); }, POLL_MS);
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refreshUnread();
});
poll();

/** What a notification says, as text: "Ada uploaded: Title". */
export function notificationText(item) {
  const who = (item.actor && (item.actor.displayName || item.actor.username)) || "Someone";
  const title = (item.video && item.video.title) || "a video";
  const said = item.comment && item.comment.text ? `: “${item.comment.text}”` : "";
  if (item.kind === "video") return `${who} uploaded: ${title}`;
  if (item.kind === "comment") return `${who} commented on ${title}${said}`;
  if (item.kind === "reply") return `${who} replied to your comment on ${title}${said}`;
  return `${who}: ${title}`;
}
