// Upload and edit form fields: tags (chips), category, and captions (a WebVTT file uploaded
// through POST /video/{id}/captions -> presigned POST -> PUT .../captions/{language}).

import { api, ApiError, uploadToStorage } from "./api.js";
import { describe } from "./alerts.js";
import { h } from "./dom.js";
import { loadCategories, MAX_TAG_LENGTH, MAX_TAGS, normalizeTag, tagProblem } from "./discovery.js";

/**
 * A tags field: type a tag, Enter or a comma adds it as a chip (normalized as the server
 * does), each chip has a Remove button; changes are announced. `commit()` adds what is still
 * typed and says whether it was valid; `value()` is the list.
 */
export function tagsInput({ id, initial = [] }) {
  let tags = [...new Set((initial || []).map(normalizeTag).filter(Boolean))];
  const input = h("input", { id, type: "text", autocomplete: "off", maxlength: 200,
    "aria-describedby": `${id}-help ${id}-count ${id}-error` });
  const chips = h("ul.tag-chips", { "aria-label": "Tags added" });
  const count = h("p.hint", { id: `${id}-count` });
  const error = h("p.field-error", { id: `${id}-error`, role: "alert" });
  const live = h("p.visually-hidden", { role: "status", "aria-live": "polite" });
  const element = h("div.field.tags-field", {},
    h("label", { for: id }, "Tags"),
    h("p.hint", { id: `${id}-help` }, `Press Enter or type a comma after each tag. Up to ${MAX_TAGS} tags of up to ${MAX_TAG_LENGTH} characters.`),
    chips, input, count, error, live);

  function setError(message) {
    error.textContent = message || "";
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function paint() {
    chips.replaceChildren(...tags.map((tag, index) => h("li.tag-chip", {},
      h("span.tag-chip-text", {}, tag),
      h("button.tag-chip-remove", { type: "button", "aria-label": `Remove tag ${tag}`, title: `Remove ${tag}`,
        onclick: () => remove(index) }, "×"))));
    chips.hidden = !tags.length;
    count.textContent = `${tags.length} of ${MAX_TAGS} tags`;
  }

  function remove(index) {
    const [gone] = tags.splice(index, 1);
    paint();
    setError(null);
    live.textContent = `Removed tag ${gone}. ${tags.length} of ${MAX_TAGS} tags.`;
    // Focus stays in the list: on the chip that took its place, else the field.
    const next = chips.querySelectorAll(".tag-chip-remove")[Math.min(index, tags.length - 1)];
    (next || input).focus();
  }

  /** Add each comma-separated tag of `text`; false (with a message) when one is refused. */
  function add(text) {
    const added = [];
    let problem = null;
    for (const part of String(text).split(",")) {
      const tag = normalizeTag(part);
      if (!tag) continue;
      problem = tagProblem(tag);
      if (problem) break;
      if (tags.includes(tag)) continue;
      if (tags.length >= MAX_TAGS) { problem = `A video can have at most ${MAX_TAGS} tags.`; break; }
      tags.push(tag);
      added.push(tag);
    }
    paint();
    setError(problem);
    if (added.length) {
      live.textContent = `Added ${added.length === 1 ? "tag" : "tags"} ${added.join(", ")}. ${tags.length} of ${MAX_TAGS} tags.`;
    }
    return !problem;
  }

  function commit() {
    const text = input.value;
    if (!text.trim()) return true;
    const ok = add(text);
    if (ok) input.value = "";
    return ok;
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // adds the tag; never submits the form half typed
      commit();
    } else if (event.key === "Backspace" && !input.value && tags.length) {
      event.preventDefault();
      const gone = tags.pop();
      paint();
      live.textContent = `Removed tag ${gone}. ${tags.length} of ${MAX_TAGS} tags.`;
    }
  });
  input.addEventListener("input", () => {
    if (!input.value.includes(",")) { if (error.textContent) setError(null); return; }
    // "a, b, c" typed or pasted: everything before the last comma becomes chips.
    const cut = input.value.lastIndexOf(",");
    const ok = add(input.value.slice(0, cut));
    input.value = ok ? input.value.slice(cut + 1).trimStart() : input.value;
  });
  input.addEventListener("blur", () => { if (input.value.trim()) commit(); });
  paint();
  return {
    element, input, commit, value: () => [...tags],
    set(list) { tags = [...new Set((list || []).map(normalizeTag).filter(Boolean))]; paint(); },
  };
}

/** A category select: "No category" and GET /video/categories. */
export function categorySelect({ id, value = null }) {
  const select = h("select", { id, name: "category" }, h("option", { value: "" }, "No category"));
  const element = h("div.field", {}, h("label", { for: id }, "Category"), select);
  const ready = loadCategories().then((categories) => {
    select.append(...categories.map((c) => h("option", { value: c.id, selected: c.id === value }, c.label)));
    if (value) select.value = value;
  }).catch(() => {
    select.append(h("option", { value: "", disabled: true }, "Categories could not be loaded"));
  });
  return { element, select, ready, value: () => select.value || null };
}

const LANGUAGES = [["en", "English"], ["es", "Spanish"], ["fr", "French"], ["de", "German"], ["pt-BR", "Portuguese (Brazil)"],
  ["pt", "Portuguese"], ["it", "Italian"], ["nl", "Dutch"], ["pl", "Polish"], ["ru", "Russian"], ["uk", "Ukrainian"],
  ["tr", "Turkish"], ["ar", "Arabic"], ["hi", "Hindi"], ["ja", "Japanese"], ["ko", "Korean"], ["zh-Hans", "Chinese (Simplified)"],
  ["zh-Hant", "Chinese (Traditional)"]];

let datalistMade = false;
function languageList() {
  if (!datalistMade) {
    datalistMade = true;
    document.body.append(h("datalist", { id: "caption-languages" },
      LANGUAGES.map(([code, name]) => h("option", { value: code }, name))));
  }
  return "caption-languages";
}

/**
 * Fields to choose a captions file: the .vtt file, its language (BCP 47) and an optional
 * label. `read()` is null when no file is chosen, else {file, language, label} or throws a
 * message for the form.
 */
export function captionFields({ idPrefix, legend = "Captions", hint = null }) {
  const file = h("input", { id: `${idPrefix}-file`, type: "file", accept: ".vtt,text/vtt" });
  const language = h("input", { id: `${idPrefix}-language`, type: "text", list: languageList(), autocomplete: "off",
    maxlength: 35, placeholder: "en", "aria-describedby": `${idPrefix}-language-hint` });
  const label = h("input", { id: `${idPrefix}-label`, type: "text", maxlength: 60, placeholder: "English" });
  const element = h("fieldset.field.caption-fields", {},
    h("legend", {}, legend),
    hint ? h("p.hint", {}, hint) : null,
    h("div.field", {}, h("label", { for: `${idPrefix}-file` }, "Captions file (WebVTT, .vtt)"), file),
    h("div.caption-row", {},
      h("div.field", {}, h("label", { for: `${idPrefix}-language` }, "Language"), language,
        h("p.hint", { id: `${idPrefix}-language-hint` }, "A language tag such as en, fr or pt-BR.")),
      h("div.field", {}, h("label", { for: `${idPrefix}-label` }, "Label (optional)"), label)));

  async function read() {
    const chosen = file.files[0];
    if (!chosen) return null;
    const lang = language.value.trim();
    if (!lang) { language.focus(); throw new Error("Say which language the captions are in (for example en)."); }
    if (!/\.vtt$/i.test(chosen.name)) { file.focus(); throw new Error("Captions must be a WebVTT file (.vtt)."); }
    return { file: chosen, language: lang, label: label.value.trim() };
  }
  function reset() { file.value = ""; language.value = ""; label.value = ""; }
  return { element, read, reset, file, language };
}

/** Add captions to a video: POST (presigned), the file to storage, PUT to confirm. */
export async function uploadCaptions(videoId, { file, language, label }) {
  const base = `/video/${encodeURIComponent(videoId)}/captions`;
  const started = await api("POST", base, { auth: "required",
    body: { language, ...(label ? { label } : {}), sizeBytes: file.size } });
  const upload = started.upload || {};
  await uploadToStorage({ method: upload.fields ? "POST" : "PUT", ...upload }, file, () => {});
  return api("PUT", `${base}/${encodeURIComponent(started.language || language)}`, { auth: "required", body: {} });
}

export async function deleteCaptions(videoId, language) {
  await api("DELETE", `/video/${encodeURIComponent(videoId)}/captions/${encodeURIComponent(language)}`, { auth: "required" });
}

/** An error for people: the server's message and its code ("… (caption_cue_out_of_range)"). */
export function captionError(error, language) {
  const code = error instanceof ApiError && error.code && !error.code.startsWith("http_") ? ` (${error.code})` : "";
  return `Captions${language ? ` (${language})` : ""} were not added: ${describe(error).replace(/\.$/, "")}${code}.`;
}

function captionName(caption) {
  return caption.label ? `${caption.label} (${caption.language})` : caption.language;
}

/**
 * The edit form's captions: the video's list with Delete buttons and fields to add one; every
 * outcome said in `region` (inside the dialog: the page behind a modal is inert).
 */
export function captionsManager({ video, idPrefix, region }) {
  let captions = [...(video.captions || [])];
  const list = h("ul.caption-list", { "aria-label": "Captions of this video" });
  const none = h("p.hint", {}, "No captions yet.");
  const fields = captionFields({ idPrefix, legend: "Add captions" });
  const add = h("button.button", { type: "button" }, "Upload captions");
  const element = h("section.captions-manager", { "aria-labelledby": `${idPrefix}-heading` },
    h("h3", { id: `${idPrefix}-heading` }, "Captions"), list, none, fields.element, add);

  function say(message, kind) {
    region.replaceChildren(h(`p.caption-message.caption-message-${kind}`, { role: kind === "error" ? "alert" : "status" }, message));
  }

  function paint() {
    list.replaceChildren(...captions.map((caption) => h("li.caption-item", {},
      h("span", {}, captionName(caption)),
      h("button.button.button-danger-ghost", { type: "button", "aria-label": `Delete captions ${captionName(caption)}`,
        onclick: (event) => remove(caption, event.currentTarget) }, "Delete"))));
    list.hidden = !captions.length;
    none.hidden = !!captions.length;
  }

  async function remove(caption, button) {
    button.disabled = true;
    try {
      await deleteCaptions(video.id, caption.language);
      captions = captions.filter((c) => c.language !== caption.language);
      paint();
      say(`Captions ${captionName(caption)} deleted.`, "ok");
      add.focus();
    } catch (error) {
      button.disabled = false;
      say(`Captions ${captionName(caption)} were not deleted: ${describe(error)}`, "error");
    }
  }

  add.addEventListener("click", async () => {
    let chosen;
    try {
      chosen = await fields.read();
    } catch (error) {
      say(error.message, "error");
      return;
    }
    if (!chosen) { say("Choose a .vtt file first.", "error"); fields.file.focus(); return; }
    add.disabled = true;
    add.textContent = "Uploading…";
    try {
      const caption = await uploadCaptions(video.id, chosen);
      captions = [...captions.filter((c) => c.language !== caption.language), caption];
      paint();
      fields.reset();
      say(`Captions ${captionName(caption)} added.`, "ok");
    } catch (error) {
      say(captionError(error, chosen.language), "error");
    } finally {
      add.disabled = false;
      add.textContent = "Upload captions";
    }
  });
  paint();
  return { element, set(list) { captions = [...(list || [])]; paint(); } };
}
