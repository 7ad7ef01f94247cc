// The review page's only script (served from the app itself; the page's CSP allows nothing
// else): keyboard navigation, Ctrl+Enter to save, and applying reusable comments.
"use strict";

function typing(target) {
  return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                    target.tagName === "SELECT" || target.isContentEditable);
}

function follow(id) {
  const link = document.getElementById(id);
  if (link) { window.location.href = link.href; }
}

document.addEventListener("keydown", (event) => {
  const form = document.getElementById("mark-form");
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && form) {
    event.preventDefault();
    form.requestSubmit(document.getElementById("save"));
    return;
  }
  if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
  if (event.key === "n") { follow("next-ungraded"); }
  else if (event.key === "j") { follow("following"); }
  else if (event.key === "k") { follow("previous"); }
  else if (event.key === "s") {
    const score = document.getElementById("score");
    if (score) { event.preventDefault(); score.focus(); }
  }
});

document.addEventListener("click", (event) => {
  const button = event.target.closest(".apply-remark");
  if (!button) { return; }
  const score = document.getElementById("score");
  const comment = document.getElementById("comment");
  const max = parseFloat(score.dataset.max);
  const points = parseFloat(button.dataset.points) || 0;
  const start = score.value === "" ? max : parseFloat(score.value);
  score.value = String(Math.min(max, Math.max(0, start + points)));
  const line = "- " + button.dataset.text + (points ? " (" + (points > 0 ? "+" : "") + points + ")" : "");
  comment.value = comment.value ? comment.value.replace(/\s*$/, "") + "\n" + line : line;
});
