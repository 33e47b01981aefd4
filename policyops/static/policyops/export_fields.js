// The export page's "select all" box (admin/policyops/export.html): import-export's own page
// calls onSelectToggleChange (its export_selectable_fields.js) from an inline handler, which
// the Content Security Policy blocks.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", onSelectToggleChange);
  });
});
