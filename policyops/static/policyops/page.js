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

  // <select data-search-url> (policyops.forms.SearchedSelect): a long list drawn with its chosen
  // option only; the search box put before it asks the server for the matching rows, which
  // then fill the select. Enter in the box searches rather than submitting the form.
  function searchable(select) {
    if (select.dataset.searchReady) { return; }
    select.dataset.searchReady = "1";
    var box = document.createElement("input");
    var status = document.createElement("small");
    var timer = null;
    var asked = 0;
    box.type = "search";
    box.className = "select-search";
    box.placeholder = select.dataset.searchLabel;
    box.setAttribute("aria-label", select.dataset.searchLabel);
    box.setAttribute("autocomplete", "off");
    status.className = "select-search-status";
    status.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(status, select.nextSibling);

    function fill(results) {
      var chosen = select.value;
      var found = false;
      Array.prototype.slice.call(select.options).forEach(function (option) {
        if (option.value !== "" && option.value !== chosen) { select.removeChild(option); }
      });
      results.forEach(function (row) {
        if (String(row.id) === chosen) { found = true; return; }
        select.appendChild(new Option(row.text, row.id));
      });
      if (results.length && !found) {
        select.value = String(results[0].id);
        select.dispatchEvent(new Event("change", {bubbles: true}));
      }
    }

    function search() {
      var term = box.value.trim();
      var mine = ++asked;
      if (!term) { status.textContent = ""; return; }
      fetch(select.dataset.searchUrl + "?q=" + encodeURIComponent(term),
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (answer) {
          if (mine !== asked) { return; }  // a later search was typed meanwhile
          fill(answer.results);
          status.textContent = answer.summary;
        })
        .catch(function () { if (mine === asked) { status.textContent = select.dataset.searchFailed; } });
    }

    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        window.clearTimeout(timer);
        search();
      }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-search-url]"), searchable);
  }
  // Deferred on the site's pages; the admin's form page loads it in the head (the form's media).
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
