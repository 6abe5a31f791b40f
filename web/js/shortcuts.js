// The player's keyboard shortcuts, as common players have them, anywhere on the page that
// shows the player, except while typing (inputs, text areas, contenteditable), with Ctrl,
// Alt or Meta held (the browser's and the screen reader's own), inside a dialog or menu, or
// on a control whose own keys they are (Space on a button, arrows on a slider). Keys that
// would otherwise scroll the page (Up / Down, Home / End) act only while focus is in the
// player. Each change is said in a polite live region and shown briefly over the video.

import { h } from "./dom.js";

/** What the help lists: [keys, what they do]. */
export const SHORTCUTS = [
  [["Space", "K"], "Play or pause"],
  [["J"], "Back 10 seconds"],
  [["L"], "Forward 10 seconds"],
  [["←"], "Back 5 seconds"],
  [["→"], "Forward 5 seconds"],
  [["↑"], "Volume up (focus in the player)"],
  [["↓"], "Volume down (focus in the player)"],
  [["Home"], "Go to the start (focus in the player)"],
  [["End"], "Go to the end (focus in the player)"],
  [["0", "…", "9"], "Go to 0% … 90% of the video"],
  [["M"], "Mute or unmute"],
  [["F"], "Full screen"],
  [["C"], "Captions on or off"],
  [["?"], "Show these shortcuts"],
];

const OSD_MS = 900;
const TEXT_INPUTS = new Set(["", "text", "search", "email", "password", "number", "url", "tel",
  "date", "datetime-local", "month", "time", "week"]);
// Roles whose own keys an arrow, Space, Home or End belongs to.
const WIDGETS = "input, select, textarea, button, a[href], summary, [contenteditable], [role=slider], " +
  "[role=spinbutton], [role=menu], [role=menuitem], [role=menuitemradio], [role=menuitemcheckbox], " +
  "[role=listbox], [role=option], [role=radio], [role=radiogroup], [role=tab], [role=tablist], " +
  "[role=grid], [role=tree], [role=combobox], [role=textbox], [role=scrollbar], [role=button], [role=link]";

/** True when `target` takes typed text (a shortcut letter there is just a letter). */
export function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.closest("[contenteditable]:not([contenteditable=false])")) return true;
  if (target.matches("textarea, select, [role=textbox], [role=combobox], [role=searchbox]")) return true;
  return target.matches("input") && TEXT_INPUTS.has((target.getAttribute("type") || "").toLowerCase());
}

/**
 * A polite live region and a brief on-screen note, both in `frame` (so they show and are
 * heard in full screen too). Returns announce(text).
 */
export function createAnnouncer(frame) {
  const region = h("div.visually-hidden.player-announcer", { role: "status", "aria-live": "polite", "aria-atomic": "true" });
  const osd = h("div.player-osd", { "aria-hidden": "true", hidden: true });
  frame.append(region, osd);
  let timer = null;
  let clearTimer = null;
  return (text) => {
    // A new text each time (the same words twice in a row are not read again otherwise).
    region.textContent = region.textContent === text ? `${text}\u00a0` : text;
    clearTimeout(clearTimer);
    clearTimer = setTimeout(() => { region.textContent = ""; }, 4000);
    osd.textContent = text;
    osd.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => { osd.hidden = true; }, OSD_MS);
  };
}

let dialogs = 0;

/** The "Keyboard shortcuts" dialog; focus goes back to `opener` (or where it was) on close. */
export function showShortcutsHelp(opener) {
  const existing = document.querySelector("dialog.shortcuts-dialog[open]");
  if (existing) { existing.close(); return; }
  const back = opener || document.activeElement;
  const id = `shortcuts-title-${(dialogs += 1)}`;
  const rows = SHORTCUTS.map(([keys, what]) => h("tr", {},
    h("td", {}, keys.map((key, i) => [i ? (key === "…" || keys[i - 1] === "…" ? " " : " or ") : null,
      key === "…" ? "…" : h("kbd", {}, key)])),
    h("td", {}, what)));
  const close = h("button.button", { type: "button" }, "Close");
  const dialog = h("dialog.dialog.shortcuts-dialog", { "aria-labelledby": id },
    h("h2", { id }, "Keyboard shortcuts"),
    h("p.shortcuts-note", {}, "Not while typing in a field. Up, Down, Home and End act while the player has focus."),
    h("table.shortcuts-table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Key"), h("th", { scope: "col" }, "Action"))),
      h("tbody", {}, rows)),
    h("div.dialog-actions", {}, close));
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (back && back.isConnected) back.focus();
  });
  // In full screen only the full-screen element shows: the dialog goes inside it.
  const host = document.fullscreenElement || document.body;
  host.append(dialog);
  dialog.showModal();
  close.focus();
  return dialog;
}

/**
 * Listen for the shortcuts on the document until `signal` aborts. `frame` is the player;
 * `actions`: {togglePlay, seekBy(seconds), seekToFraction(f), seekTo(seconds),
 * volumeBy(delta), toggleMute, toggleFullscreen, toggleCaptions, help} each returning the text
 * to announce (or nothing: they announce themselves).
 */
export function installShortcuts({ frame, actions, announce, signal }) {
  const onKey = (event) => {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.altKey || event.metaKey) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && (isTyping(target) || target.closest("dialog, [role=dialog], [role=alertdialog], [role=menu]"))) return;
    const inPlayer = Boolean(target && frame.contains(target)) || document.fullscreenElement === frame;
    const onWidget = Boolean(target && target.matches(WIDGETS));
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    let action = null;
    switch (key) {
      case " ":
        // Space presses a focused button; on the seek bar or elsewhere it plays / pauses.
        if (!onWidget || target.matches("[role=slider].seek")) action = actions.togglePlay;
        break;
      case "k": action = actions.togglePlay; break;
      case "j": action = () => actions.seekBy(-10); break;
      case "l": action = () => actions.seekBy(10); break;
      case "ArrowLeft": if (!onWidget) action = () => actions.seekBy(-5); break;
      case "ArrowRight": if (!onWidget) action = () => actions.seekBy(5); break;
      case "ArrowUp": if (inPlayer && !onWidget) action = () => actions.volumeBy(0.05); break;
      case "ArrowDown": if (inPlayer && !onWidget) action = () => actions.volumeBy(-0.05); break;
      case "Home": if (inPlayer && !onWidget) action = () => actions.seekTo(0); break;
      case "End": if (inPlayer && !onWidget) action = () => actions.seekToFraction(1); break;
      case "m": action = actions.toggleMute; break;
      case "f": action = actions.toggleFullscreen; break;
      case "c": action = actions.toggleCaptions; break;
      case "?": action = actions.help; break;
      default:
        if (/^[0-9]$/.test(key) && !event.shiftKey) action = () => actions.seekToFraction(Number(key) / 10);
    }
    // Shift is part of "?" only: Shift with another key is someone else's.
    if (!action || (event.shiftKey && key !== "?")) return;
    event.preventDefault();
    const said = action();
    if (typeof said === "string" && said) announce(said);
  };
  document.addEventListener("keydown", onKey);
  signal?.addEventListener("abort", () => document.removeEventListener("keydown", onKey), { once: true });
  return () => document.removeEventListener("keydown", onKey);
}
