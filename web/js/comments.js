// The comments of a video: newest first (the pinned one on top), threaded one level deep, edit
// and delete of one's own, Report on anyone else's; the video's owner pins one comment and
// deletes any.

import { api } from "./api.js";
import { formError, notify, showError } from "./alerts.js";
import { h } from "./dom.js";
import { ago, count, displayName, fullDate } from "./format.js";
import { currentUser } from "./session.js";
import { channelLink, confirmDialog, signInHref } from "./components.js";
import { reportButton } from "./reports.js";

let formIds = 0;

/** A textarea form; resolves `onSubmit(text)` and resets; `onCancel` shows a Cancel button. */
function textForm({ label, placeholder, submitLabel, initial = "", onSubmit, onCancel, compact = false }) {
  formIds += 1;
  const id = `comment-text-${formIds}`;
  const textarea = h("textarea", { id, name: "text", rows: compact ? 2 : 3, maxlength: 5000, required: true, placeholder },
    initial);
  textarea.value = initial;
  const submit = h("button.button.button-primary", { type: "submit", disabled: !initial }, submitLabel);
  const form = h("form.comment-form", {},
    h("label.visually-hidden", { for: id }, label), textarea,
    h("div.comment-form-actions", {},
      onCancel ? h("button.button.button-ghost", { type: "button", onclick: onCancel }, "Cancel") : null,
      submit));
  textarea.addEventListener("input", () => { submit.disabled = !textarea.value.trim(); });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
    if (event.key === "Escape" && onCancel) onCancel();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value.trim();
    if (!text) return;
    formError(form, null);
    submit.disabled = true;
    try {
      await onSubmit(text);
      textarea.value = "";
    } catch (error) {
      formError(form, error);
    } finally {
      submit.disabled = !textarea.value.trim();
    }
  });
  return { form, textarea };
}

/**
 * The comments section. `video` gives the id, owner and count; onCountChange(delta) lets the
 * page keep its comment count right.
 */
export function commentsSection({ video, signal, onCountChange }) {
  const open = video.commentsEnabled !== false;
  const signedIn = currentUser();
  const me = open ? signedIn : null; // comments turned off: nobody adds, replies or edits
  const isOwner = Boolean(signedIn && video.owner?.id === signedIn.id);
  const heading = h("h2.comments-title", { id: "comments-title" });
  let total = Number(video.commentCount) || 0;
  const setTotal = (delta) => {
    total = Math.max(0, total + delta);
    heading.textContent = `${count(total)} ${total === 1 ? "comment" : "comments"}`;
    onCountChange?.(total);
  };
  setTotal(0);

  const list = h("ol.comment-list", { "aria-labelledby": "comments-title" });
  const more = h("button.button.button-ghost", { type: "button", hidden: true }, "More comments");
  let cursor = null;

  // Deleting stays possible with comments off (API.md "Creator controls").
  const canDelete = (comment) => signedIn && (comment.author?.id === signedIn.id || isOwner);

  function commentItem(comment, { isReply = false } = {}) {
    const li = h("li.comment", { "data-comment-id": comment.id });
    const body = h("div.comment-body");
    const author = comment.author || {};
    const textEl = h("p.comment-text", {});
    const meta = h("div.comment-meta", {},
      channelLink(author, { class: "comment-author" }),
      h("time", { datetime: comment.createdAt || "", title: fullDate(comment.createdAt) }, ago(comment.createdAt)),
      h("span.comment-edited", { hidden: !comment.edited }, "(edited)"),
      comment.pinned ? h("span.badge.comment-pinned", {}, "Pinned") : null);
    const actions = h("div.comment-actions");
    const repliesBox = h("div.replies");
    li.append(h("span.avatar.avatar-small", { "aria-hidden": "true" }, displayName(author).slice(0, 1).toUpperCase()),
      h("div.comment-main", {}, meta, body, actions, repliesBox));

    function showText() {
      textEl.textContent = comment.deleted ? "This comment was deleted." : comment.text;
      textEl.classList.toggle("muted", Boolean(comment.deleted));
      body.replaceChildren(textEl);
      meta.querySelector(".comment-edited").hidden = !comment.edited;
    }
    showText();

    // Replies: a toggle that loads them (oldest first, paged), and a reply form.
    let repliesList = null;
    let repliesCursor = null;
    let replyCount = Number(comment.replyCount) || 0;
    const repliesToggle = h("button.link-button.replies-toggle", { type: "button", "aria-expanded": "false" });
    const repliesMore = h("button.link-button", { type: "button", hidden: true }, "More replies");
    const updateToggle = () => {
      repliesToggle.hidden = isReply || replyCount === 0;
      const open = repliesToggle.getAttribute("aria-expanded") === "true";
      repliesToggle.textContent = `${open ? "Hide" : "View"} ${replyCount} ${replyCount === 1 ? "reply" : "replies"}`;
    };

    async function loadReplies() {
      repliesMore.disabled = true;
      try {
        const page = await api("GET", `/comment/${encodeURIComponent(video.id)}`,
          { query: { parentId: comment.id, cursor: repliesCursor, limit: 20 }, signal });
        for (const reply of page.items || []) repliesList.append(commentItem(reply, { isReply: true }));
        repliesCursor = page.nextCursor || null;
        repliesMore.hidden = !repliesCursor;
      } catch (error) {
        showError(error);
      } finally {
        repliesMore.disabled = false;
      }
    }

    async function openReplies() {
      if (!repliesList) {
        repliesList = h("ol.comment-list.reply-list", { "aria-label": `Replies to ${displayName(author)}` });
        repliesBox.append(repliesList, repliesMore);
        repliesToggle.setAttribute("aria-expanded", "true");
        await loadReplies();
      } else {
        repliesToggle.setAttribute("aria-expanded", "true");
      }
      repliesList.hidden = false;
      repliesMore.hidden = !repliesCursor;
      updateToggle();
    }

    if (!isReply) {
      repliesToggle.addEventListener("click", () => {
        if (repliesToggle.getAttribute("aria-expanded") === "true") {
          repliesToggle.setAttribute("aria-expanded", "false");
          repliesList.hidden = true;
          repliesMore.hidden = true;
          updateToggle();
        } else {
          openReplies();
        }
      });
      repliesMore.addEventListener("click", loadReplies);
      repliesBox.append(repliesToggle);
      updateToggle();
    }

    // Actions: reply (top level only), edit (author), delete (author or the video's owner),
    // report (anyone else).
    if (signedIn && !comment.deleted) {
      if (me && !isReply) {
        const replyButton = h("button.link-button", { type: "button", "aria-label": `Reply to ${displayName(author)}` }, "Reply");
        replyButton.addEventListener("click", () => {
          if (li.querySelector(":scope > .comment-main > .reply-form-box")) return;
          const box = h("div.reply-form-box");
          const close = () => { box.remove(); replyButton.focus(); };
          const { form, textarea } = textForm({
            label: `Reply to ${displayName(author)}`, placeholder: "Add a reply…", submitLabel: "Reply", compact: true,
            onCancel: close,
            onSubmit: async (text) => {
              const answer = await api("POST", `/comment/${encodeURIComponent(video.id)}`,
                { body: { text, parentId: comment.id }, auth: "required" });
              replyCount += 1;
              setTotal(1);
              await openReplies();
              if (!repliesList.querySelector(`[data-comment-id="${answer.comment.id}"]`)) {
                repliesList.append(commentItem(answer.comment, { isReply: true }));
              }
              close();
            },
          });
          box.append(form);
          actions.after(box);
          textarea.focus();
        });
        actions.append(replyButton);
      }
      if (me && author.id === me.id) {
        const editButton = h("button.link-button", { type: "button", "aria-label": "Edit your comment" }, "Edit");
        editButton.addEventListener("click", () => {
          const { form, textarea } = textForm({
            label: "Edit your comment", submitLabel: "Save", initial: comment.text, compact: true,
            onCancel: () => { showText(); actions.hidden = false; editButton.focus(); },
            onSubmit: async (text) => {
              const answer = await api("PATCH", `/comment/${encodeURIComponent(comment.id)}`,
                { body: { text }, auth: "required" });
              Object.assign(comment, answer.comment, { edited: true });
              showText();
              actions.hidden = false;
              editButton.focus();
            },
          });
          body.replaceChildren(form);
          actions.hidden = true;
          textarea.focus();
          textarea.setSelectionRange(textarea.value.length, textarea.value.length);
        });
        actions.append(editButton);
      }
      if (canDelete(comment)) {
        const deleteButton = h("button.link-button.danger", { type: "button", "aria-label": "Delete comment" }, "Delete");
        deleteButton.addEventListener("click", async () => {
          const ok = await confirmDialog({ title: "Delete comment?", text: "This comment will be removed for everyone." });
          if (!ok) { deleteButton.focus(); return; }
          try {
            await api("DELETE", `/comment/${encodeURIComponent(comment.id)}`, { auth: "required" });
            li.remove();
            setTotal(-1 - (isReply ? 0 : replyCount));
            notify("Comment deleted.", { kind: "success" });
          } catch (error) {
            showError(error);
          }
        });
        actions.append(deleteButton);
      }
      if (isOwner && !isReply) {
        const pinned = Boolean(comment.pinned);
        const pinButton = h("button.link-button.pin-button", { type: "button",
          "aria-label": pinned ? "Unpin comment" : `Pin comment by ${displayName(author)}` }, pinned ? "Unpin" : "Pin");
        pinButton.addEventListener("click", () => setPin(pinned ? null : comment.id));
        actions.append(pinButton);
      }
      // Report (the dialog of js/reports.js) on anyone else's comment, comments on or off.
      if (author.id !== signedIn.id) {
        actions.append(reportButton("comment", comment.id, "comment",
          { className: "link-button report-button", ariaLabel: `Report comment by ${displayName(author)}` }));
      }
    }
    return li;
  }

  async function loadPage() {
    more.disabled = true;
    try {
      const page = await api("GET", `/comment/${encodeURIComponent(video.id)}`, { query: { cursor, limit: 20 }, signal });
      for (const comment of page.items || []) list.append(commentItem(comment));
      cursor = page.nextCursor || null;
      more.hidden = !cursor;
    } catch (error) {
      if (!signal.aborted) showError(error);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", loadPage);

  // Pin (or unpin with null), then reload: the API puts the pinned comment first.
  async function setPin(commentId) {
    const path = `/video/${encodeURIComponent(video.id)}/pin`;
    try {
      const answer = commentId
        ? await api("PUT", path, { body: { commentId }, auth: "required" })
        : await api("DELETE", path, { auth: "required" });
      video.pinnedCommentId = answer.video?.pinnedCommentId ?? null;
      list.replaceChildren();
      cursor = null;
      await loadPage();
      notify(commentId ? "Comment pinned." : "Comment unpinned.", { kind: "success" });
    } catch (error) {
      showError(error);
    }
  }

  let composer;
  if (!open) {
    composer = h("p.muted.comment-signin", {}, "Comments are turned off for this video.");
  } else if (signedIn) {
    composer = textForm({
      label: "Add a comment", placeholder: "Add a comment…", submitLabel: "Comment",
      onSubmit: async (text) => {
        const answer = await api("POST", `/comment/${encodeURIComponent(video.id)}`, { body: { text }, auth: "required" });
        list.prepend(commentItem(answer.comment));
        setTotal(1);
      },
    }).form;
  } else {
    composer = h("p.muted.comment-signin", {}, h("a", { href: signInHref() }, "Sign in"), " to comment.");
  }

  const element = h("section.comments", { "aria-labelledby": "comments-title" }, heading, composer, list, more);
  return { element, loaded: loadPage() };
}
