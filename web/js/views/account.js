// An account's life after sign-up (API.md "Accounts"): verify the email from its link, ask
// for and follow a password reset link, and the account page (verification, password,
// export, deletion).

import { api } from "../api.js";
import { formError, notify } from "../alerts.js";
import { confirmDialog, signInHref } from "../components.js";
import { h } from "../dom.js";
import { displayName } from "../format.js";
import { clearSession, currentUser, saveTokens } from "../session.js";

function field(id, label, props, hint) {
  return h("div.field", {},
    h("label", { for: id }, label),
    h("input", { id, name: id, ...props, ...(hint ? { "aria-describedby": `${id}-hint` } : {}) }),
    hint ? h("p.hint", { id: `${id}-hint` }, hint) : null);
}

function card(title, ...children) {
  return h("section.page.auth-page", {}, h("div.auth-card", {}, h("h1", {}, title), ...children));
}

function busy(form, on, label) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = on;
  if (label) button.textContent = label;
}

/** The token of a mailed link, then the link itself out of the address bar and history. */
function takeToken(query, route) {
  const token = query.get("token") || "";
  if (token) history.replaceState(null, "", `#/${route}`);
  return token;
}

const PASSWORD_HINT = "8 characters or more, up to 72 bytes";

function passwordTooLong(value) {
  return new TextEncoder().encode(value).length > 72;
}

// --- #/verify?token=... ----------------------------------------------------------------------

export async function renderVerify({ main, query, signal }) {
  document.title = "Verify your email - Tuber";
  const token = takeToken(query, "verify");
  const status = h("p", { role: "status" }, "Verifying your email address…");
  main.append(card("Verify your email", status));
  if (!token) {
    status.textContent = "This link has no token. Open the link from the email again.";
    return;
  }
  try {
    const { user } = await api("POST", "/auth/verify", { body: { token }, auth: "none", signal });
    status.textContent = `Your email address ${user.email} is verified.`;
    const me = currentUser();
    status.after(h("p", {}, h("a.button.button-primary", { href: me ? "#/" : "#/signin" },
      me ? "Go to Tuber" : "Sign in")));
  } catch (error) {
    if (signal.aborted) return;
    status.textContent = error.code === "email_taken"
      ? "This address already belongs to another account. Sign in to it, or reset its password."
      : "This link is invalid, expired or already used. Ask for a new one from your account page.";
    status.setAttribute("role", "alert");
  }
}

// --- #/forgot ----------------------------------------------------------------------------------

export function renderForgot({ main }) {
  document.title = "Forgot your password - Tuber";
  const form = h("form.form", {},
    h("p", {}, "Give the email address of your account: we send it a link to choose a new password."),
    field("email", "Email", { type: "email", autocomplete: "email", required: true, maxlength: 254 }),
    h("button.button.button-primary.button-wide", { type: "submit" }, "Send the link"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, null);
    busy(form, true, "Sending…");
    try {
      await api("POST", "/auth/password/forgot", { body: { email: form.email.value.trim() }, auth: "none" });
      form.replaceWith(h("p", { role: "status" },
        `If an account uses ${form.email.value.trim()}, a link to reset its password is on its way. ` +
        "It works once, for an hour. Check your spam folder too."));
    } catch (error) {
      formError(form, error);
      busy(form, false, "Send the link");
    }
  });
  main.append(card("Forgot your password?", form,
    h("p.auth-switch", {}, "Remembered it? ", h("a", { href: "#/signin" }, "Sign in"))));
  form.email.focus();
}

// --- #/reset?token=... ---------------------------------------------------------------------

export function renderReset({ main, query, navigate }) {
  document.title = "Choose a new password - Tuber";
  const token = takeToken(query, "reset");
  if (!token) {
    main.append(card("Choose a new password", h("p", { role: "alert" },
      "This link has no token. Open the link from the email again, or ",
      h("a", { href: "#/forgot" }, "ask for a new one"), ".")));
    return;
  }
  const form = h("form.form", {},
    field("password", "New password", { type: "password", autocomplete: "new-password", required: true, minlength: 8 },
      PASSWORD_HINT),
    h("button.button.button-primary.button-wide", { type: "submit" }, "Set the new password"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, null);
    const password = form.password.value;
    if (passwordTooLong(password)) {
      formError(form, new Error("That password is longer than 72 bytes: choose a shorter one."));
      return;
    }
    busy(form, true, "Saving…");
    try {
      const { user } = await api("POST", "/auth/password/reset", { body: { token, password }, auth: "none" });
      clearSession(); // every session ended with the reset, this tab's too
      const answer = await api("POST", "/auth/login", { body: { username: user.username, password }, auth: "none" });
      saveTokens(answer);
      notify(`Your password is changed, ${displayName(user)}. Every other session is signed out.`, { kind: "success" });
      navigate("#/");
    } catch (error) {
      formError(form, error.code === "invalid_token"
        ? new Error("This link is invalid, expired or already used. Ask for a new one.") : error);
      busy(form, false, "Set the new password");
    }
  });
  main.append(card("Choose a new password", form,
    h("p.auth-switch", {}, h("a", { href: "#/forgot" }, "Ask for a new link"))));
  form.password.focus();
}

// --- #/settings --------------------------------------------------------------------------

export async function renderSettings({ main, signal, navigate }) {
  document.title = "Your account - Tuber";
  if (!currentUser()) {
    navigate(signInHref("#/settings"), { replace: true });
    return;
  }
  const { user } = await api("GET", "/auth/me", { auth: "required", signal });
  const page = h("section.page.settings-page", {}, h("h1", {}, "Your account"));
  page.append(emailSection(user), passwordSection(), exportSection(user), deleteSection(navigate));
  main.append(page);
}

function section(title, id, ...children) {
  return h("section.settings-section", { "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

function emailSection(user) {
  const state = h("p", {}, user.emailVerified
    ? `${user.email} is verified.`
    : `${user.email} is not verified yet: follow the link we emailed you. Until then you sign in with your username, and cannot reset your password by email.`);
  const parts = [state];
  if (!user.emailVerified) {
    const resend = h("button.button", { type: "button" }, "Email the link again");
    resend.addEventListener("click", async () => {
      resend.disabled = true;
      try {
        await api("POST", "/auth/verify/resend", { auth: "required" });
        notify(`A new link is on its way to ${user.email}.`, { kind: "success" });
      } catch (error) {
        notify(error.message || "The link could not be sent.");
        resend.disabled = false;
      }
    });
    parts.push(resend);
  }
  return section("Email", "settings-email", ...parts);
}

function passwordSection() {
  const form = h("form.form", {},
    field("current-password", "Current password", { type: "password", autocomplete: "current-password", required: true }),
    field("new-password", "New password", { type: "password", autocomplete: "new-password", required: true, minlength: 8 },
      PASSWORD_HINT),
    h("button.button.button-primary", { type: "submit" }, "Change password"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, null);
    const newPassword = form["new-password"].value;
    if (passwordTooLong(newPassword)) {
      formError(form, new Error("That password is longer than 72 bytes: choose a shorter one."));
      return;
    }
    busy(form, true, "Changing…");
    try {
      const answer = await api("POST", "/auth/password", {
        body: { currentPassword: form["current-password"].value, newPassword }, auth: "required" });
      saveTokens(answer);
      form.reset();
      notify("Your password is changed. Every other session is signed out.", { kind: "success" });
    } catch (error) {
      formError(form, error);
    } finally {
      busy(form, false, "Change password");
    }
  });
  return section("Password", "settings-password",
    h("p", {}, "Changing it signs out every other browser and device."), form);
}

function exportSection(user) {
  const button = h("button.button", { type: "button" }, "Download my data");
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = "Preparing…";
    try {
      const data = await exportAll();
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      const link = h("a", { href: URL.createObjectURL(blob), download: `tuber-${user.username}.json` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    } catch (error) {
      notify(error.message || "The export failed.");
    } finally {
      button.disabled = false;
      button.textContent = "Download my data";
    }
  });
  return section("Your data", "settings-export",
    h("p", {}, "Everything Tuber keeps about you, as a JSON file: your account, sign-ins, videos, comments and ratings."),
    button);
}

/** Every page of GET /auth/me/export, the lists of later pages appended to the first's. */
export async function exportAll() {
  const data = await api("GET", "/auth/me/export", { auth: "required" });
  let cursor = data.nextCursor;
  while (cursor) {
    const more = await api("GET", "/auth/me/export", { query: { cursor }, auth: "required" });
    for (const name of ["videos", "comments", "ratings"]) {
      if (more[name]) data[name] = [...(data[name] || []), ...more[name]];
    }
    cursor = more.nextCursor;
  }
  delete data.nextCursor;
  return data;
}

function deleteSection(navigate) {
  const form = h("form.form", {},
    field("delete-password", "Your password, to confirm", { type: "password", autocomplete: "current-password", required: true }),
    h("button.button.button-danger", { type: "submit" }, "Delete my account"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, null);
    const sure = await confirmDialog({
      title: "Delete your account?",
      text: "Your videos, comments and ratings are deleted with it, and your username is never given out again. This cannot be undone.",
      confirmLabel: "Delete my account",
    });
    if (!sure) return;
    busy(form, true, "Deleting…");
    try {
      await api("DELETE", "/auth/me", { body: { password: form["delete-password"].value }, auth: "required" });
      clearSession();
      notify("Your account is deleted.", { kind: "success" });
      navigate("#/");
    } catch (error) {
      formError(form, error);
      busy(form, false, "Delete my account");
    }
  });
  return section("Delete your account", "settings-delete",
    h("p", {}, "Deletes your account and everything you made. Replies others wrote to your comments stay, under a deleted comment."),
    form);
}
