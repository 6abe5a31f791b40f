// Sign in and sign up.

import { api } from "../api.js";
import { formError, notify } from "../alerts.js";
import { h } from "../dom.js";
import { displayName } from "../format.js";
import { saveTokens } from "../session.js";

function nextHash(query) {
  const next = query.get("next") || "#/";
  // Only in-app destinations: never an absolute URL.
  return next.startsWith("#/") && !next.startsWith("#/signin") && !next.startsWith("#/signup") ? next : "#/";
}

function field(id, label, props, hint) {
  return h("div.field", {},
    h("label", { for: id }, label),
    h("input", { id, name: id, ...props, ...(hint ? { "aria-describedby": `${id}-hint` } : {}) }),
    hint ? h("p.hint", { id: `${id}-hint` }, hint) : null);
}

async function signIn(identifier, password) {
  const key = identifier.includes("@") ? "email" : "username";
  const answer = await api("POST", "/auth/login", { body: { [key]: identifier, password }, auth: "none" });
  saveTokens(answer);
  return answer.user;
}

function authPage(title, form, ...footer) {
  return h("section.page.auth-page", {}, h("div.auth-card", {}, h("h1", {}, title), form, ...footer));
}

function busy(form, on, label) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = on;
  if (label) button.textContent = label;
}

export function renderSignIn({ main, query, navigate }) {
  document.title = "Sign in - Tuber";
  const next = nextHash(query);
  const form = h("form.form", { novalidate: false },
    field("identifier", "Username or email", { type: "text", autocomplete: "username", required: true, maxlength: 254 }),
    field("password", "Password", { type: "password", autocomplete: "current-password", required: true }),
    h("button.button.button-primary.button-wide", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, null);
    busy(form, true, "Signing in…");
    try {
      const user = await signIn(form.identifier.value.trim(), form.password.value);
      notify(`Signed in as ${displayName(user)}.`, { kind: "success" });
      navigate(next);
    } catch (error) {
      formError(form, error);
      busy(form, false, "Sign in");
      form.password.select();
    }
  });
  main.append(authPage("Sign in", form,
    h("p.auth-switch", {}, h("a", { href: "#/forgot" }, "Forgot your password?")),
    h("p.auth-switch", {}, "New to Tuber? ", h("a", { href: `#/signup?next=${encodeURIComponent(next)}` }, "Create an account"))));
  form.identifier.focus();
}

export function renderSignUp({ main, query, navigate }) {
  document.title = "Create an account - Tuber";
  const next = nextHash(query);
  const form = h("form.form", {},
    field("username", "Username", { type: "text", autocomplete: "username", required: true, minlength: 3, maxlength: 30,
      pattern: "[A-Za-z0-9_][A-Za-z0-9_.\\-]{1,28}[A-Za-z0-9_]" }, "3 to 30 letters, digits, _ . or -"),
    field("displayName", "Display name (optional)", { type: "text", autocomplete: "nickname", maxlength: 50 }),
    field("email", "Email", { type: "email", autocomplete: "email", required: true, maxlength: 254 }),
    field("password", "Password", { type: "password", autocomplete: "new-password", required: true, minlength: 8 },
      "8 characters or more, up to 72 bytes"),
    h("button.button.button-primary.button-wide", { type: "submit" }, "Create account"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, null);
    busy(form, true, "Creating your account…");
    const body = {
      username: form.username.value.trim(),
      email: form.email.value.trim(),
      password: form.password.value,
    };
    const name = form.displayName.value.trim();
    if (name) body.displayName = name;
    try {
      if (new TextEncoder().encode(body.password).length > 72) {
        throw new Error("That password is longer than 72 bytes: choose a shorter one.");
      }
      const { user: created } = await api("POST", "/auth/register", { body, auth: "none" });
      const user = await signIn(body.username, body.password);
      // The account works at once; the address is verified from the link we mail to it.
      notify(`Welcome to Tuber, ${displayName(user)}! We sent a link to ${created.email}: ` +
        "follow it to verify your email.", { kind: "success", timeout: 10000 });
      navigate(next);
    } catch (error) {
      formError(form, error);
      busy(form, false, "Create account");
    }
  });
  main.append(authPage("Create your account", form,
    h("p.auth-switch", {}, "Already have an account? ", h("a", { href: `#/signin?next=${encodeURIComponent(next)}` }, "Sign in"))));
  form.username.focus();
}
