// The progress bar of work done in the background: a project list being saved
// (roads/import_status.html), an admin list being exported (admin/policyops/export_job.html).
// Polls the page's JSON view (data-progress-url) every second and moves the bar; once the
// work has finished, or has stalled or moves again (data-stalled: what the page says now),
// reloads the page, which then says what was done, why not, or that nothing is moving.
// No inline script: the page works under a Content-Security-Policy without 'unsafe-inline'.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var done = box.querySelector("[data-done]");
  var total = box.querySelector("[data-total]");
  var finished = ["done", "refused", "failed"];
  var stalled = box.getAttribute("data-stalled") === "true";

  function show(progress) {
    if (bar) {
      bar.max = Math.max(progress.total, 1);
      bar.value = progress.done;
      bar.textContent = progress.percent + "%";
    }
    if (done) { done.textContent = String(progress.done); }
    if (total) { total.textContent = String(progress.total); }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (!progress) { return; }
        show(progress);
        if (finished.indexOf(progress.state) >= 0 || Boolean(progress.stalled) !== stalled) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 1000);
}());
