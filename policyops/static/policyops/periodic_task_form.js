// The periodic task form (templates/admin/policyops/change_periodictask_form.html): the chosen
// crontab's reading follows the crontab select in its help text, as django-celery-beat's inline
// script did, and the separate read-only reading is hidden.
(function () {
  "use strict";
  var script = document.getElementById("periodic-task-overrides");
  var $ = django.jQuery;
  $(function () {
    var readable = JSON.parse(document.getElementById("readable-crontabs").textContent);
    var help = $(".field-crontab .help");
    var original = help.html();
    $(".field-crontab_translation").hide();
    $(".field-crontab").change(function () {
      var reading = readable[$("#id_crontab").val()];
      help.html(original);
      if (reading) {
        // Text, not HTML: a schedule's reading is data.
        help.append(document.createElement("br"), document.createTextNode(script.dataset.label + ": " + reading));
      }
    });
  });
})();
