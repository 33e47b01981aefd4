"""Exports of a list — the admin's 导出 and the road project lists: at most EXPORT_MAX_ROWS
rows, an XLSX written row by row (policyops.xlsx).

A supervisor's case list holds a million cases: exported whole, one web worker would have
built every row in memory for minutes (10,000 cases took 4.2 s and 170 MB; issue 12). The
admin exports the list as its filters and search leave it; past the limit it is exported in
the background (policyops.background_exports: a Celery worker writes the file a chunk at a
time, and the export's page offers it). The road project lists' own export (programs.roads)
and the admin's export of rows chosen in the list refuse past the limit instead.
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from import_export import admin as ie_admin
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

from policyops import background_exports, job_files
from policyops.enqueue import broker_reachable, enqueue
from policyops.forms import keys_of
from policyops.pagination import capped_count
from policyops.xlsx import XLSX_CONTENT_TYPE, workbook_bytes

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
    0.7 s now). Its text has passed safe_cell in the Resource (SafeExportMixin: every
    exporting admin's, a test checks), so it is not read through it again."""
    return workbook_bytes([(title, dataset.headers, dataset)], text_is_safe=True)


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
        if self.has_export_permission(request) and "export_items" not in request.POST:
            try:
                refuse_too_many_rows(self.get_export_queryset(request))
            except ExportRefused:
                if request.method == "POST":
                    return self.export_in_background(request)
                # Said on the page where the format is chosen, before anything is exported.
                messages.info(request, _("This list has more than %(limit)s rows: it will be exported in the "
                                         "background, and its page will offer the file when it is written.")
                              % {"limit": f"{EXPORT_MAX_ROWS:,}"})
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

    def get_export_queryset(self, request):
        """import-export's, built once a request: the limit's check, the background export's
        count and import-export's view each ask for it, and each build made a ChangeList,
        whose filters read their choices (three queries more a page for the case list)."""
        built = request.__dict__.setdefault("_policyops_export_querysets", {})
        if self not in built:
            built[self] = super().get_export_queryset(request)
        return built[self]._chain()

    def get_valid_export_item_pks(self, request):
        """The rows chosen in the list (``export_items``, posted) that this user may export.

        import-export offers every key of the table as a choice, whatever the user's district
        (and warns that the hook will go): checking 50 chosen cases among a million took 18 s
        and 285 MB. Here the choices are the chosen keys found among the export's own rows,
        scoped and filtered as the list is; any other key is refused as the form's error.
        """
        keys = keys_of(self.model, request.POST.getlist("export_items"))
        return list(self.get_export_queryset(request).filter(pk__in=keys).values_list("pk", flat=True)) if keys else []

    def init_request_context_data(self, request, form):
        context = super().init_request_context_data(request, form)
        context["background_exports"] = [
            {**job, "url": self._reverse("_job", job["token"])}
            for job in background_exports.recent_for(request.user, self, timezone.now())]
        return context

    # --- past the limit: in the background (policyops.background_exports) ----------------------

    def _export_url_name(self, suffix: str = "") -> str:
        """The URL name of the export page (import-export's) or, with a suffix, of its job's views."""
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_export{suffix}"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export/<str:token>/", view(self.export_job_view), name=self._export_url_name("_job")),
            path("export/<str:token>/progress/", view(self.export_job_progress),
                 name=self._export_url_name("_progress")),
            path("export/<str:token>/file/", view(self.export_job_file), name=self._export_url_name("_file")),
            *super().get_urls(),
        ]

    def _reverse(self, suffix: str, *args) -> str:
        return reverse(f"{self.admin_site.name}:{self._export_url_name(suffix)}", args=args)

    def export_in_background(self, request):
        """The export form, posted for a list past EXPORT_MAX_ROWS: queued for a Celery worker,
        then its page. Said on the form, and nothing queued, when the form is not valid, the
        format is not XLSX or CSV, the list is too long for a sheet or the worker's queue
        cannot be reached."""
        back = request.get_full_path()
        formats = self.get_export_formats()
        form = self.get_export_form_class()(formats, self.get_export_resource_classes(request), data=request.POST)
        if not form.is_valid():
            return super().export_action(request)
        file_format = formats[int(form.cleaned_data["format"])]()
        extension = background_exports.extension_of(file_format)
        if extension is None:
            messages.error(request, _("A list this long is exported as XLSX or CSV only."))
            return redirect(back)
        total = self.get_export_queryset(request).count()
        refused = background_exports.too_long_for(extension, total)
        if refused:
            messages.error(request, refused)
            return redirect(back)
        if not broker_reachable():
            messages.error(request, _("The background service cannot be reached just now, so nothing was "
                                      "exported. Export the list again in a few minutes."))
            return redirect(back)
        now = timezone.now()
        title = str(self.model._meta.verbose_name_plural)
        token = background_exports.start(self, request, file_format=file_format, title=title, total=total,
                                         filename=f"{title}-{timezone.localdate(now):%Y%m%d}.{extension}", now=now)
        from policyops import tasks

        # Published now: the export waits in its folder, outside any transaction, and its page
        # must know whether it was queued.
        enqueue(tasks.export_admin_list, (token,), after_commit=False,
                on_failure=lambda _exc: background_exports.mark_failed(
                    token, _("The background service could not be reached; export the list again.")))
        return redirect(self._reverse("_job", token))

    def _export_job(self, request, token) -> dict:
        meta = background_exports.meta_for(token, request.user) if self.has_export_permission(request) else None
        if meta is None or meta.get("admin") != self.model._meta.label_lower:
            raise Http404
        return meta

    def export_job_view(self, request, token):
        """An export running in the background: its progress, then its file or why there is none."""
        meta = self._export_job(request, token)
        progress = background_exports.progress(token, timezone.now())
        export_url = self._reverse("")
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Export"),
            "job": meta, "progress": progress, "finished": progress["state"] in background_exports.FINISHED,
            "stalled_minutes": job_files.stalled_minutes(),
            "expires_at": dt.datetime.fromisoformat(meta["expires_at"]),
            "progress_url": self._reverse("_progress", token), "file_url": self._reverse("_file", token),
            "export_url": f"{export_url}?{meta['query']}" if meta["query"] else export_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/policyops/export_job.html", context)

    def export_job_progress(self, request, token):
        """The progress as JSON: {state, done, total, percent, stalled} (rows written of all)."""
        self._export_job(request, token)
        return JsonResponse(job_files.progress_json(background_exports.progress(token, timezone.now())))

    def export_job_file(self, request, token):
        meta = self._export_job(request, token)
        path = background_exports.file_path(token, meta)
        if path is None:
            raise Http404
        return FileResponse(path.open("rb"), as_attachment=True, filename=meta["filename"],
                            content_type=XLSX_CONTENT_TYPE if meta["extension"] == "xlsx" else "text/csv")

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
