"""Exports of a list — the admin's 导出 and the road project lists: at most EXPORT_MAX_ROWS
rows, an XLSX written row by row (policyops.xlsx).

A supervisor's case list holds a million cases: exported whole, one web worker would have
built every row in memory for minutes (10,000 cases took 4.2 s and 170 MB; issue 12). Past the
limit the export is refused with a message; the admin exports the list as its filters and
search leave it, so narrowing the list is the way to export a part.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from import_export import admin as ie_admin
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

from policyops.pagination import capped_count
from policyops.xlsx import workbook_bytes

# Rows one export may hold: a road project list's import takes back as many
# (programs.roads.project_lists.PROJECT_UPLOAD_MAX_ROWS), and 50,000 cases were written in 8 s
# (12–17 s before round 18) on the benchmark's machines (2026-12-05), within the web
# worker's 60 s (policyops/gunicorn_conf.py).
EXPORT_MAX_ROWS = 50_000


class ExportRefused(ValueError):
    """An export the limit refuses; its text is the message for the user. A ValueError, so that
    import-export's export page shows it as it shows its own errors."""


def refuse_too_many_rows(rows) -> None:
    """Raise ExportRefused when ``rows`` (a queryset) holds more than EXPORT_MAX_ROWS; counted
    no further than one row past the limit."""
    if capped_count(rows, EXPORT_MAX_ROWS) > EXPORT_MAX_ROWS:
        raise ExportRefused(_("More than %(limit)s rows would be exported, and one export holds at most "
                              "%(limit)s. Narrow the list with its filters or its search, then export again.")
                            % {"limit": f"{EXPORT_MAX_ROWS:,}"})


def dataset_xlsx(dataset, title) -> bytes:
    """A tablib Dataset (a Resource's export, in native types) as the bytes of an XLSX workbook:
    written row by row, where tablib's workbook holds every cell first (2.4 s for 10,000 cases;
    0.7 s now)."""
    return workbook_bytes([(title, dataset.headers, dataset)])


class ExportForm(SelectableFieldsExportForm):
    """import-export's form choosing the columns to export, each labelled as the file's header
    names it ("案件编号"), not as its attribute in English beside it ("Number (案件编号)")."""

    @staticmethod
    def _get_field_label(resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return str(field.column_name) if field is not None else field_name


class ExportLimitMixin:
    """import-export's admin export within EXPORT_MAX_ROWS: XLSX written by ``dataset_xlsx``, the
    columns chosen on a page that runs under the CSP, the file named in Chinese.

    Every PolicyOps admin with 导出 has it (``ExportMixin`` below, and
    policyops.admin_import.ImportExportMixin); a test checks that none is without it.
    """

    # The library's page, its "select all" box working under the Content Security Policy.
    export_template_name = "admin/policyops/export.html"
    export_form_class = ExportForm

    def export_action(self, request):
        # Said on the page where the format is chosen, before anything is exported.
        if request.method == "GET" and self.has_export_permission(request):
            try:
                refuse_too_many_rows(self.get_export_queryset(request))
            except ExportRefused as refused:
                messages.warning(request, str(refused))
        response = super().export_action(request)
        disposition = response.get("Content-Disposition")
        if disposition:
            # The file named in Chinese, as the road lists' are (审批案件-20261205.xlsx): import-export
            # names it after the model's class and writes the header unencoded, which holds ASCII only.
            extension = disposition.rsplit(".", 1)[-1].strip('"')
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True,
                filename=f"{self.model._meta.verbose_name_plural}-{timezone.localdate():%Y%m%d}.{extension}")
        return response

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """The library's, the row limit checked first; an XLSX written by ``dataset_xlsx``."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        refuse_too_many_rows(queryset)
        if type(file_format) is not base_formats.XLSX:
            return super().get_export_data(file_format, request, queryset, **kwargs)
        data = self.get_data_for_export(request, queryset, force_native_type=True, **kwargs)
        return dataset_xlsx(data, self.model._meta.verbose_name_plural)


class ExportMixin(ExportLimitMixin, ie_admin.ExportMixin):
    """导出 for a PolicyOps admin that has no 导入."""
