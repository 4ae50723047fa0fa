// dlgrader instructor pages: the grading queue's keyboard (no inline handlers; CSP).
// j / k: next / previous item; 1-9: toggle rubric item; Enter: save (the form submits).
"use strict";

(function () {
  const review = document.getElementById("review");
  const form = document.getElementById("review-form");
  if (!review || !form) return;
  const boxes = Array.from(form.querySelectorAll('input[type="checkbox"][name="rubric"]'));
  const scoreOut = document.getElementById("review-score");

  function updateScore() {
    const total = boxes.filter((b) => b.checked)
      .reduce((sum, b) => sum + (parseFloat(b.dataset.points) || 0), 0);
    if (scoreOut) scoreOut.textContent = String(Math.round(total * 10000) / 10000);
  }
  boxes.forEach((b) => b.addEventListener("change", updateScore));
  updateScore();

  function typing(target) {
    if (!target || !target.tagName) return false;
    const tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) return true;
    return tag === "input" && !["checkbox", "radio", "submit", "button"].includes(target.type);
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return; // Enter in the comment field submits by itself
    if (event.key === "j" && review.dataset.next) {
      window.location.assign(review.dataset.next);
    } else if (event.key === "k" && review.dataset.prev) {
      window.location.assign(review.dataset.prev);
    } else if (/^[1-9]$/.test(event.key)) {
      const box = boxes[Number(event.key) - 1];
      if (box) {
        box.checked = !box.checked;
        updateScore();
      }
    } else if (event.key === "Enter") {
      if (event.target && event.target.tagName && event.target.tagName.toLowerCase() === "a") return;
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.submit();
    } else {
      return;
    }
    event.preventDefault();
  });

  const comment = form.querySelector('input[name="comment"]');
  if (comment && !document.activeElement?.matches?.("input, textarea, select")) {
    form.querySelector('input[type="checkbox"]')?.focus();
  }
})();
