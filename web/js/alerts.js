// Visible, accessible messages: errors from the API and short confirmations.

import { h, icon } from "./dom.js";

const region = () => document.getElementById("alerts");

/** Show a message; errors use role="alert" (announced at once), others role="status". */
export function notify(message, { kind = "error", timeout } = {}) {
  const box = h(`div.alert.alert-${kind}`, { role: kind === "error" ? "alert" : "status" },
    h("span.alert-text", {}, message),
    h("button.icon-button.alert-close", {
      type: "button", "aria-label": "Dismiss message", onclick: () => box.remove(),
    }, icon("close")));
  region().append(box);
  const ms = timeout ?? (kind === "error" ? 10000 : 4000);
  if (ms) setTimeout(() => box.remove(), ms);
  return box;
}

/** The user-facing text for an error (ApiError or anything else). */
export function describe(error) {
  if (!error) return "Something went wrong.";
  if (error.code === "validation_error" && Array.isArray(error.details) && error.details.length) {
    const parts = error.details.slice(0, 3).map((d) => {
      const field = (d.loc || []).filter((p) => p !== "body").join(".");
      return field ? `${field}: ${d.msg}` : d.msg;
    });
    return sentence(`${error.message || "Request is invalid"}: ${parts.join("; ")}`);
  }
  return sentence(error.message || String(error));
}

function sentence(text) {
  const s = String(text).trim();
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

export function showError(error) {
  if (error && error.name === "AbortError") return null;
  if (error && !error.status && !error.code) console.warn(error);
  return notify(describe(error), { kind: "error" });
}

/** Clear error messages (on navigation); confirmations stay until they time out. */
export function clearAlerts() {
  for (const child of [...region().querySelectorAll(".alert-error")]) child.remove();
}

/** An inline alert inside a form, replacing any previous one. */
export function formError(form, error) {
  let box = form.querySelector(".form-error");
  if (!error) {
    if (box) box.remove();
    return;
  }
  if (!box) {
    box = h("div.form-error", { role: "alert" });
    form.prepend(box);
  }
  box.textContent = describe(error);
}
