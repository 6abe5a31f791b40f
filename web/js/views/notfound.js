import { h } from "../dom.js";

export function renderNotFound({ main }) {
  document.title = "Page not found - Tuber";
  main.append(h("section.page.empty", {},
    h("h1", {}, "Page not found"),
    h("p", {}, "There is nothing at this address."),
    h("a.button.button-primary", { href: "#/" }, "Back to home")));
}
