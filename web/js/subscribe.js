// Subscribing to a channel: the button and the subscriber count beside it (watch and
// channel pages). The count is the server's answer, never guessed.

import { api } from "./api.js";
import { notify, showError } from "./alerts.js";
import { h } from "./dom.js";
import { count } from "./format.js";
import { currentUser } from "./session.js";
import { signInHref } from "./components.js";

export function subscriberText(n) {
  const value = Number(n) || 0;
  return `${count(value)} ${value === 1 ? "subscriber" : "subscribers"}`;
}

/** {element, countEl} for `channel` ({user, subscriberCount, subscribed}); the owner gets
 * the count alone. */
export function subscribeBox(channel, { navigate } = {}) {
  const countEl = h("span.subscriber-count", {}, subscriberText(channel.subscriberCount));
  const me = currentUser();
  if (me && me.id === channel.user.id) return h("div.subscribe-box", {}, countEl);
  let subscribed = Boolean(channel.subscribed);
  const button = h("button.button.subscribe-button", { type: "button" });
  const name = channel.user.displayName || channel.user.username;
  function paint() {
    button.textContent = subscribed ? "Subscribed" : "Subscribe";
    button.classList.toggle("button-primary", !subscribed);
    button.setAttribute("aria-pressed", String(subscribed));
    button.setAttribute("aria-label", `${subscribed ? "Unsubscribe from" : "Subscribe to"} ${name}`);
  }
  button.addEventListener("click", async () => {
    if (!currentUser()) {
      notify("Sign in to subscribe to channels.", { kind: "info" });
      if (navigate) navigate(signInHref());
      return;
    }
    button.disabled = true;
    try {
      const answer = await api(subscribed ? "DELETE" : "PUT",
        `/channel/${encodeURIComponent(channel.user.id)}/subscription`, { auth: "required" });
      subscribed = answer.subscribed;
      countEl.textContent = subscriberText(answer.subscriberCount);
      paint();
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
  paint();
  return h("div.subscribe-box", {}, countEl, button);
}
