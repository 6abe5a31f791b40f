// The moderation queue (`#/moderation`, moderators and admins): open reports grouped per
// target, the most reported first; each resolved with Dismiss, Take down or Suspend.

import { api } from "../api.js";
import { showError } from "../alerts.js";
import { h } from "../dom.js";
import { ago, displayName } from "../format.js";
import { currentUser } from "../session.js";
import { confirmDialog, emptyState, signInHref } from "../components.js";
import { REASONS, rememberModerator } from "../reports.js";

const REASON_LABEL = Object.fromEntries(REASONS);
const ACTIONS = [
  ["dismiss", "Dismiss", "Nothing changes; the reports are closed."],
  ["takedown", "Take down", "Hidden from everyone but its owner."],
  ["suspend", "Suspend", "The owner's account is suspended and its content hidden."],
];

function targetHref(item) {
  if (item.targetType === "video") return `#/watch/${encodeURIComponent(item.targetId)}`;
  if (item.targetType === "user") return `#/channel/${encodeURIComponent(item.targetId)}`;
  return null;
}

export async function renderModeration({ main, signal, navigate, onModerator }) {
  const me = currentUser();
  if (!me) { navigate(signInHref(), { replace: true }); return; }
  document.title = "Moderation - Tuber";
  const list = h("ul.report-list", { "aria-label": "Open reports" });
  const announce = h("p.visually-hidden", { role: "status" });
  const more = h("button.button.button-wide", { type: "button", hidden: true }, "More reports");
  const empty = emptyState("Nothing to review", "There are no open reports.");
  empty.hidden = true;
  main.append(h("section.page.moderation", {}, h("h1", {}, "Moderation queue"), announce, list, empty, more));
  let cursor = null;

  function row(item) {
    const summary = item.targetSummary || "(gone)";
    const href = targetHref(item);
    const reasons = Object.entries(item.reasons || {}).map(([r, n]) => `${REASON_LABEL[r] || r} (${n})`).join(", ");
    const li = h("li.report-case.notification", { "data-report-id": item.id },
      h("div.notification-text", {},
        h("h2.report-target", {}, h("span.badge", {}, item.targetType), " ",
          href ? h("a", { href }, summary) : h("span", {}, summary)),
        h("p.card-meta", {}, `${item.reportCount} ${item.reportCount === 1 ? "report" : "reports"}: ${reasons}`),
        h("p.card-meta", {}, item.owner ? `Owner: ${displayName(item.owner)}` : "", " · ", `last ${ago(item.lastReportedAt)}`),
        item.lastNote ? h("p.card-meta", {}, `“${item.lastNote}”`) : null),
      h("div.page-actions", {}, ACTIONS
        .filter(([action]) => !(action === "takedown" && item.targetType === "user"))
        .map(([action, label, text]) => {
          const button = h(`button.button.button-small${action === "dismiss" ? "" : ".button-danger"}`,
            { type: "button", "aria-label": `${label}: ${summary}` }, label);
          button.addEventListener("click", async () => {
            if (!(await confirmDialog({ title: `${label}: ${summary}?`, text, confirmLabel: label, danger: action !== "dismiss" }))) return;
            try {
              await api("POST", `/report/${encodeURIComponent(item.id)}/resolve`, { body: { action }, auth: "required" });
              li.remove();
              empty.hidden = list.children.length > 0;
              announce.textContent = `${label}: ${summary}. Done.`;
            } catch (error) { showError(error); }
          });
          return button;
        })));
    return li;
  }

  async function load() {
    let page;
    try {
      page = await api("GET", "/report", { query: { status: "open", limit: 30, cursor }, auth: "required", signal });
    } catch (error) {
      if (error.code !== "moderator_only") throw error;
      rememberModerator(me, false);
      list.replaceWith(emptyState("Moderators only", "This page is for Tuber's moderators."));
      return;
    }
    if (!cursor) { rememberModerator(me, true); onModerator?.(); }
    for (const item of page.items || []) list.append(row(item));
    cursor = page.nextCursor || null;
    more.hidden = !cursor;
    empty.hidden = list.children.length > 0;
  }
  more.addEventListener("click", () => load().catch(showError));
  await load();
}
