// Share and Embed on the watch page: dialogs with the watch link (optionally at the current
// time, `?t=<seconds>`, which the watch page honours) and the embed page's iframe code
// (/embed/{videoId}: framable by any site; docs/API.md "Embeds"), each with a Copy button
// whose outcome is announced inside the dialog (the page behind a modal dialog is inert).

import { h } from "./dom.js";
import { duration as clock } from "./format.js";

let dialogs = 0;

/** The site's own address (the folder index.html is served from), for links others open. */
function siteBase() {
  return new URL(".", `${location.origin}${location.pathname}`).href;
}

export function watchUrl(videoId, seconds = 0) {
  const at = Math.floor(Number(seconds) || 0);
  return `${siteBase()}#/watch/${encodeURIComponent(videoId)}${at > 0 ? `?t=${at}` : ""}`;
}

export function embedUrl(videoId, seconds = 0) {
  const at = Math.floor(Number(seconds) || 0);
  return `${siteBase()}embed/${encodeURIComponent(videoId)}${at > 0 ? `?t=${at}` : ""}`;
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** The markup another site pastes (GET /oembed answers the same). Text escaped: a title is
 * the uploader's. */
export function embedCode(video, seconds = 0, width = 640, height = 360) {
  const attr = (value) => String(value).replace(/[&<>"]/g, (c) => ESCAPES[c]);
  return `<iframe src="${attr(embedUrl(video.id, seconds))}" width="${width}" height="${height}" `
    + `title="${attr(video.title)}" frameborder="0" `
    + 'allow="autoplay; fullscreen; picture-in-picture; encrypted-media" allowfullscreen></iframe>';
}

async function copyText(field) {
  try {
    await navigator.clipboard.writeText(field.value);
    return true;
  } catch {
    // No clipboard permission (an http page, an old browser): the text selected instead.
    field.focus();
    field.select();
    return false;
  }
}

/**
 * One dialog: a read-only field (`multiline`: the iframe code) that follows the "Start at"
 * checkbox, and Copy with its announced outcome. Focus goes back to `opener` when it closes.
 */
function shareDialog({ title, label, text, video, seconds, multiline, opener, hint }) {
  const n = (dialogs += 1);
  const fieldId = `share-field-${n}`;
  const field = multiline
    ? h("textarea.share-field.share-code", { id: fieldId, readonly: true, rows: "5", spellcheck: "false" })
    : h("input.share-field", { id: fieldId, type: "text", readonly: true, spellcheck: "false" });
  const at = Math.floor(Number(seconds) || 0);
  const startBox = h("input", { type: "checkbox", id: `share-start-${n}` });
  const start = at > 0 ? h("p.share-start", {}, startBox,
    h("label", { for: `share-start-${n}` }, ` Start at ${clock(at)}`)) : null;
  const status = h("p.share-status", { role: "status", "aria-live": "polite" });
  const paint = () => {
    field.value = text(startBox.checked ? at : 0);
    status.textContent = "";
  };
  startBox.addEventListener("change", paint);
  paint();
  const copy = h("button.button.button-primary.share-copy", { type: "button" }, "Copy");
  copy.addEventListener("click", async () => {
    status.textContent = "";
    const copied = await copyText(field);
    // A fresh text node each time: screen readers announce a repeated message again.
    status.replaceChildren(copied ? `${label} copied to the clipboard.` : `Press Ctrl+C (or ⌘C) to copy the selected ${label.toLowerCase()}.`);
  });
  field.addEventListener("focus", () => field.select());
  const dialog = h("dialog.dialog.share-dialog", { "aria-labelledby": `share-title-${n}` },
    h("h2", { id: `share-title-${n}` }, title),
    hint ? h("p.share-hint", {}, hint) : null,
    h("label.share-label", { for: fieldId }, label), h("div.share-row", {}, field, copy),
    start, status,
    h("div.dialog-actions", {}, h("button.button", { type: "button", onclick: () => dialog.close() }, "Close")));
  dialog.addEventListener("close", () => { dialog.remove(); if (opener?.isConnected) opener.focus(); });
  document.body.append(dialog);
  dialog.showModal();
  field.focus();
  return dialog;
}

/**
 * The watch page's Share and Embed buttons for `video`; `currentTime()` says where the
 * player is (for "Start at"). Private videos have no Embed: embeds show what anyone may see.
 */
export function shareButtons(video, currentTime = () => 0) {
  const isPrivate = video.visibility === "private";
  const share = h("button.button.share-button", { type: "button", "aria-haspopup": "dialog" }, "Share");
  share.addEventListener("click", () => shareDialog({
    title: "Share", label: "Link", video, seconds: currentTime(), opener: share,
    text: (at) => watchUrl(video.id, at),
    hint: isPrivate ? "This video is private: only you can watch it with this link." : null,
  }));
  if (isPrivate) return [share];
  const embed = h("button.button.embed-button", { type: "button", "aria-haspopup": "dialog" }, "Embed");
  embed.addEventListener("click", () => shareDialog({
    title: "Embed video", label: "Embed code", video, seconds: currentTime(), opener: embed,
    multiline: true, text: (at) => embedCode(video, at),
    hint: "Paste this code into your site's HTML to show the player there.",
  }));
  return [share, embed];
}
