// What our pages did with inline handlers (onchange=, onclick=, javascript: links), which the
// Content-Security-Policy (script-src 'self') blocks. Loaded by policyops/base.html, the error
// pages and the printable pages; each behaviour is asked for by a data- attribute.
(function () {
  "use strict";
  // <select data-autosubmit>: choosing an option submits its form (language, hall level).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) {
      select.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    // <button data-print>: the browser's print dialogue (printable notices and rotas).
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    // <a data-back>: back to the previous page (error pages).
    if (event.target.closest("a[data-back]")) {
      event.preventDefault();
      window.history.back();
    }
  });
}());
