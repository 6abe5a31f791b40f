// Reporting a video, comment or channel (POST /report): a dialog with the reasons and an
// optional note; the outcome is said in the dialog.

import { api } from "./api.js";
import { notify } from "./alerts.js";
import { h } from "./dom.js";
import { currentUser } from "./session.js";
import { signInHref } from "./components.js";

export const REASONS = [
  ["spam", "Spam or misleading"],
  ["harassment", "Harassment or bullying"],
  ["hate", "Hateful content"],
  ["violence", "Violent or dangerous"],
  ["sexual", "Sexual content"],
  ["copyright", "Copyright infringement"],
  ["misinformation", "Misinformation"],
  ["other", "Something else"],
];

const OUTCOMES = {
  already_reported: "You already reported this; a moderator will look at it.",
  cannot_report_own: "You cannot report your own content.",
  report_throttled: "You have sent many reports this hour: please try again later.",
};

let dialogs = 0;

function reportDialog(targetType, targetId, what, opener) {
  const n = (dialogs += 1);
  const status = h("p.report-status", { role: "status" });
  const reasons = h("fieldset.report-reasons", {}, h("legend", {}, "What is wrong?"),
    REASONS.map(([value, label], i) => h("label.report-reason", {},
      h("input", { type: "radio", name: `reason-${n}`, value, required: true }), ` ${label}`)));
  const note = h("textarea", { id: `report-note-${n}`, maxlength: "1000", rows: "3" });
  const send = h("button.button.button-danger", { type: "submit" }, "Send report");
  const form = h("form.report-form", {}, reasons,
    h("label", { for: `report-note-${n}` }, "Details (optional)"), note, status,
    h("div.dialog-actions", {},
      h("button.button", { type: "button", onclick: () => dialog.close() }, "Close"), send));
  const dialog = h("dialog.dialog.report-dialog", { "aria-labelledby": `report-title-${n}` },
    h("h2", { id: `report-title-${n}` }, `Report ${what}`), form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = form.querySelector("input[type=radio]:checked")?.value;
    send.disabled = true;
    status.textContent = "Sending…";
    try {
      await api("POST", "/report", { auth: "required", body: { targetType, targetId, reason, note: note.value.trim() || undefined } });
      status.textContent = "Thanks: your report was sent to the moderators.";
      reasons.disabled = true;
    } catch (error) {
      status.textContent = OUTCOMES[error.code] || error.message;
      send.disabled = false;
    }
  });
  // Focus goes back to the button that opened it (not every browser restores it by itself).
  dialog.addEventListener("close", () => { dialog.remove(); if (opener?.isConnected) opener.focus(); });
  document.body.append(dialog);
  dialog.showModal();
}

/**
 * A "Report" button for a video, comment or user (`what` names it in the dialog); `ariaLabel`
 * names the button when its text alone would not say what it reports (one per comment).
 */
export function reportButton(targetType, targetId, what,
  { navigate, label = "Report", ariaLabel, className = "button report-button" } = {}) {
  return h("button", {
    class: className, type: "button", "aria-haspopup": "dialog", "aria-label": ariaLabel,
    onclick: (event) => {
      if (!currentUser()) { notify("Sign in to report content.", { kind: "info" }); navigate?.(signInHref()); return; }
      reportDialog(targetType, targetId, what, event.currentTarget);
    },
  }, label);
}

// Whether the signed-in user may moderate: its `role` (GET /auth/me, the sign-in answer), or,
// for a role given since sign-in, the queue page's memory that it loaded for this user.
const KEY = "tuber.moderator";

export function isModerator(user) {
  if (!user) return false;
  if (user.role === "moderator" || user.role === "admin") return true;
  try { return JSON.parse(localStorage.getItem(KEY) || "[]").includes(user.id); } catch { return false; }
}

export function rememberModerator(user, yes) {
  let ids = [];
  try { ids = JSON.parse(localStorage.getItem(KEY) || "[]"); } catch { ids = []; }
  ids = ids.filter((id) => id !== user.id);
  if (yes) ids.push(user.id);
  localStorage.setItem(KEY, JSON.stringify(ids));
}
