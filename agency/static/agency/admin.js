// Long cells in admin lists are truncated to one line; the full text shows on hover (title).
// The truncated cells then grow together, a step at a time, while the list still fits its box: a
// queue with few columns shows whole names, a wide one keeps its due-date and state columns on a
// 1366 px screen.
// Static file of the project: no CDN, works on an intranet without internet.
(function () {
  "use strict";
  var NARROW_EM = 12, WIDEST_EM = 26, STEP_EM = 2;

  function truncate(root) {
    var spans = [];
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
      spans.push(span);
    });
    return spans;
  }

  function fits(results) {
    return results.scrollWidth <= results.clientWidth &&
      document.documentElement.scrollWidth <= window.innerWidth;
  }

  function widen(spans) {
    var results = document.querySelector("#changelist .results");
    if (!results || !spans.length || !fits(results)) {
      return;
    }
    var cut = function (span) { return span.scrollWidth > span.clientWidth; };
    for (var em = NARROW_EM + STEP_EM; em <= WIDEST_EM && spans.some(cut); em += STEP_EM) {
      spans.forEach(function (span) { span.style.maxWidth = em + "em"; });
      if (!fits(results)) {
        spans.forEach(function (span) { span.style.maxWidth = (em - STEP_EM) + "em"; });
        break;
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var spans = truncate(document);
    widen(spans);
    spans.forEach(function (span) {
      if (span.scrollWidth > span.clientWidth) {
        span.title = span.textContent.trim();
      }
    });
  });
})();
