// A table or chart wider than its box scrolls inside it. A box with no link inside could not be
// reached with the keyboard to scroll it (axe: scrollable-region-focusable): while it overflows,
// and only then, it takes the focus, and the arrow keys scroll it. Loaded, deferred, by the
// site's pages (policyops/base.html) and the admin's (admin/base_site.html).
(function () {
  "use strict";
  var BOXES = ".table-scroll, .table-wrap, .chart-scroll, main table, table.audit-trail, div.tabular";

  function reachable() {
    Array.prototype.forEach.call(document.querySelectorAll(BOXES), function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }

  var resized = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resized);
    resized = window.setTimeout(reachable, 200);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reachable);
  } else {
    reachable();
  }
}());
