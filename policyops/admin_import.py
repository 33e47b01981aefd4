"""The admin's 导入 button on the one import pipeline (policyops.importing).

``ImportExportMixin`` replaces django-import-export's mixin of the same name in every
PolicyOps admin that has 导入 / 导出. The upload → preview → confirm pages stay
import-export's; what differs is underneath:

* the file is read by ``importing.import_table`` (CSV or XLSX only, size and row limits,
  zip-bomb check, UTF-8 or GBK), its header is checked, and every problem is listed on
  the upload form as "line, column: reason" — never a traceback;
* the preview is a dry run; the confirm step reads the stored file again and imports it
  all-or-nothing, and the Resource's service hook (``after_saved``, e.g. recomputing the
  deadlines a calendar change moves) runs inside that same transaction, and so do the
  audit rows of what it saved (``import_add`` / ``import_update`` / ``import_delete``).
"""
from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from import_export import admin as ie_admin
from import_export.formats import base_formats
from import_export.results import RowResult

from policyops import audit, importing
from policyops.exporting import ExportLimitMixin

# How long a preview may wait for its confirmation (the file stays in the temporary folder).
PREVIEW_MAX_AGE = 24 * 3600

# The audit action of each kind of row an import saved (policyops.timeline labels them).
IMPORT_AUDIT_ACTIONS = {RowResult.IMPORT_TYPE_NEW: "import_add", RowResult.IMPORT_TYPE_UPDATE: "import_update",
                        RowResult.IMPORT_TYPE_DELETE: "import_delete"}


def audit_import(report: importing.ImportReport, actor) -> None:
    """One audit row per object the import added, changed or deleted (reason: the file's name),
    in the import's transaction, as an edit on the change form leaves one."""
    model = report.resource._meta.model
    for import_type, action in IMPORT_AUDIT_ACTIONS.items():
        rows = [(row.object_id, row.object_repr) for row in report.result.rows if row.import_type == import_type]
        if rows:
            audit.record_many(model=model, objects=rows, action=action, actor=actor, reason=report.filename)


class PipelineImportMixin(ie_admin.ImportMixin):
    """django-import-export's ImportMixin, reading and importing through ``import_table``."""

    import_formats = [base_formats.CSV, base_formats.XLSX]
    import_template_name = "admin/policyops/import.html"
    import_max_bytes = importing.MAX_BYTES
    import_max_rows = importing.MAX_ROWS

    # --- the pipeline ------------------------------------------------------------------------

    def import_limits(self, request) -> dict:
        return {"max_bytes": self.import_max_bytes, "max_rows": self.import_max_rows}

    def run_import(self, request, resource, content: bytes, *, filename: str, dry_run: bool) -> importing.ImportReport:
        return importing.import_table(resource, content, filename=filename, dry_run=dry_run, user=request.user,
                                      after_import=lambda report: audit_import(report, request.user),
                                      **self.import_limits(request))

    @staticmethod
    def problems_shown(resource, report: importing.ImportReport) -> list[str]:
        """The report's problems as the user reads them; a wrong header also lists the columns
        the file must have."""
        shown = [str(problem) for problem in report.problems]
        header_line = report.table.header_line if report.table is not None else 1
        if any(p.line == header_line for p in report.problems):  # only the header's problems are there
            shown.append(_("The file must have the columns: %(columns)s.")
                         % {"columns": ", ".join(importing.tables.expected_columns(resource))})
        return shown

    def _resource(self, request, form):
        kwargs = self.get_import_resource_kwargs(request, form=form)
        return self.choose_import_resource_class(form, request)(**kwargs)

    def _read_upload(self, upload) -> bytes:
        # Never read more than the limit (+1, so that "too large" can be told).
        return upload.read(self.import_max_bytes + 1)

    def _store(self, content: bytes):
        storage = self.get_tmp_storage_class()(encoding=None, read_mode="rb", **self.get_tmp_storage_class_kwargs())
        storage.save(content)
        return storage

    def _stored(self, name: str):
        return self.get_tmp_storage_class()(name=name, encoding=None, read_mode="rb",
                                            **self.get_tmp_storage_class_kwargs())

    def _preview_salt(self, request) -> str:
        return f"policyops.import:{self.opts.label}:{request.user.pk}"

    def _signed_name(self, request, name: str) -> str:
        """The stored file's name as the confirm form carries it: signed for this user and table.
        import-export posts the bare name back, and its storage opens, imports and deletes any
        file of the server's temporary folder named so (a crawl did it to a file of its own)."""
        return signing.dumps(name, salt=self._preview_salt(request))

    def _name_signed(self, request, signed: str) -> str | None:
        """The stored file's name, if this user's preview of this table signed it in time."""
        try:
            return signing.loads(signed, salt=self._preview_salt(request), max_age=PREVIEW_MAX_AGE)
        except signing.BadSignature:
            return None

    # --- step 1: upload and preview (a dry run) ------------------------------------------------

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = self.get_import_context_data()
        form = self.create_import_form(request)
        resources = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            resource = self._resource(request, form)
            resources = [resource]
            content = self._read_upload(upload)
            report = self.run_import(request, resource, content, filename=upload.name, dry_run=True)
            if report.ok:
                upload.tmp_storage_name = self._signed_name(request, self._store(content).name)
                context["result"] = report.result
                context["confirm_form"] = self.create_confirm_form(request, import_form=form)
            else:
                for problem in self.problems_shown(resource, report):
                    form.add_error("import_file", problem)
        if not resources:
            res_kwargs = self.get_import_resource_kwargs(request, form=form, **kwargs)
            resources = [cls(**res_kwargs) for cls in self.get_import_resource_classes(request)]
        context.update(self.admin_site.each_context(request))
        context.update({
            "title": _("Import"), "form": form, "opts": self.model._meta, "media": self.media + form.media,
            "fields_list": [(r.get_display_name(), [f.column_name for f in r.get_user_visible_fields()])
                            for r in resources],
            "import_error_display": self.import_error_display,
        })
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    # --- step 2: confirm (the same file, saved all-or-nothing) -----------------------------------

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        import_url = f"admin:{self.opts.app_label}_{self.opts.model_name}_import"
        name = self._name_signed(request, confirm_form.cleaned_data["import_file_name"]) if (
            confirm_form.is_valid()) else None
        if name is None:
            messages.error(request, _("This preview has expired; upload the file again."))
            return redirect(import_url)
        storage = self._stored(name)
        try:
            content = storage.read()
        except (OSError, ValueError, TypeError):
            messages.error(request, _("This preview has expired; upload the file again."))
            return redirect(import_url)
        resource = self._resource(request, confirm_form)
        report = self.run_import(request, resource, content, filename=confirm_form.cleaned_data["original_file_name"],
                                 dry_run=False)
        try:
            storage.remove()
        except OSError:
            pass
        if not report.ok:
            messages.error(request, _("Nothing was imported; correct the file and upload it again."))
            for problem in self.problems_shown(resource, report):
                messages.error(request, problem)
            return redirect(import_url)
        return self.process_result(report.result, request)


class ImportExportMixin(ExportLimitMixin, PipelineImportMixin, ie_admin.ImportExportMixin):
    """导入 / 导出 for a PolicyOps admin: import-export's, importing through the pipeline and
    exporting within the row limit (policyops.exporting)."""
