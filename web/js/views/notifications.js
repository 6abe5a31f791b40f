// Notifications (`#/notifications`): newest first, unread ones marked, "Mark as read" one by
// one or all at once (POST /notification/read); the bell's count follows.

import { api } from "../api.js";
import { showError } from "../alerts.js";
import { h } from "../dom.js";
import { ago } from "../format.js";
import { currentUser } from "../session.js";
import { emptyState, signInHref } from "../components.js";
import { notificationText, showUnread } from "../notifications.js";

export async function renderNotifications({ main, signal, navigate }) {
  if (!currentUser()) { navigate(signInHref(), { replace: true }); return; }
  document.title = "Notifications - Tuber";
  const list = h("ul.notification-list", { "aria-label": "Notifications" });
  const more = h("button.button.button-wide", { type: "button", hidden: true }, "More notifications");
  const markAll = h("button.button", { type: "button" }, "Mark all as read");
  const section = h("section.page.notifications", {},
    h("header.page-header", {}, h("h1", {}, "Notifications"), markAll), list, more);
  main.append(section);
  let cursor = null;

  async function mark(body) {
    const answer = await api("POST", "/notification/read", { body, auth: "required" });
    showUnread(answer.unreadCount);
    return answer;
  }

  function row(item) {
    const read = h("button.button.button-small", { type: "button", "aria-label": `Mark as read: ${notificationText(item)}` }, "Mark as read");
    const li = h(`li.notification${item.read ? "" : ".unread"}`, { "data-notification-id": item.id },
      h("div.notification-text", {},
        item.video && item.video.id
          ? h("a", { href: `#/watch/${encodeURIComponent(item.video.id)}` }, notificationText(item))
          : h("span", {}, notificationText(item)),
        h("p.card-meta", {}, item.read ? null : h("span.unread-dot", {}, "Unread"), ago(item.createdAt))),
      item.read ? null : read);
    const markRead = async () => {
      try {
        await mark({ ids: [item.id] });
        li.classList.remove("unread");
        li.querySelector(".unread-dot")?.remove();
        read.remove();
      } catch (error) { showError(error); }
    };
    read.addEventListener("click", markRead);
    li.querySelector("a")?.addEventListener("click", () => { if (li.classList.contains("unread")) markRead(); });
    return li;
  }

  async function load() {
    const page = await api("GET", "/notification", { query: { limit: 30, cursor }, auth: "required", signal });
    for (const item of page.items || []) list.append(row(item));
    cursor = page.nextCursor || null;
    more.hidden = !cursor;
    if (!list.children.length) list.replaceWith(emptyState("No notifications yet",
      "New videos from channels you follow and comments on your videos show up here."));
  }
  more.addEventListener("click", () => load().catch(showError));
  markAll.addEventListener("click", async () => {
    try {
      await mark({ all: true });
      for (const li of list.querySelectorAll(".notification.unread")) {
        li.classList.remove("unread");
        li.querySelector(".unread-dot")?.remove();
        li.querySelector("button")?.remove();
      }
    } catch (error) { showError(error); }
  });
  await load();
}
