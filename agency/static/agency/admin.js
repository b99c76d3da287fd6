// Long cells in admin lists are truncated to one line; the full text shows on hover (title).
// Static file of the project: no CDN, works on an intranet without internet.
(function () {
  "use strict";
  function truncate(root) {
    root.querySelectorAll("#result_list tbody td, #result_list tbody th").forEach(function (cell) {
      if (cell.classList.contains("action-checkbox") || cell.querySelector("input, select, textarea")) {
        return;
      }
      var text = cell.textContent.trim();
      if (text.length < 10 || /^[0-9A-Z*]+$/.test(text)) {  // short texts and codes stay whole
        return;
      }
      var span = document.createElement("span");
      span.className = "cell-truncate";
      while (cell.firstChild) {
        span.appendChild(cell.firstChild);
      }
      cell.appendChild(span);
      if (span.scrollWidth > span.clientWidth) {
        span.title = text;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { truncate(document); });
})();
