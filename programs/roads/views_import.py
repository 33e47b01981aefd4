"""Importing and exporting project lists (CSV / XLSX) for programme managers.

Upload → preview (the list read and checked: what would be created, updated or left
unchanged, and every error with its line, column and reason) → confirm (the checked rows
saved, all or none). programs.roads.project_lists does the work: the preview keeps the
checked rows under a random token (bound to the user, expiring), which this session
remembers and the confirm form sends back; the confirm saves them without reading the file
again. A list of more than project_lists.BACKGROUND_ROWS rows is saved by a Celery task:
its page shows a progress bar (policyops/static/policyops/job_progress.js polls a small JSON view).
"""
from __future__ import annotations

import datetime as dt
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from policyops import job_files
from policyops.enqueue import broker_reachable, enqueue
from policyops.exporting import ExportRefused, refuse_too_many_rows
from policyops.importing import NO_COLUMN
from policyops.xlsx import XLSX_CONTENT_TYPE
from programs.roads import import_store, project_lists
from programs.roads.forms import ProjectImportConfirmForm, ProjectImportForm
from programs.roads.models import RoadProject
from programs.roads.project_lists import PROJECT_UPLOAD_MAX_BYTES, export_projects
from programs.roads.resources import PROJECT_COLUMNS, PROJECT_EXPORT_ONLY_COLUMNS
from programs.roads.rules import WorkType

logger = logging.getLogger(__name__)

SESSION_KEY = "roads_project_import"
# Multipart overhead allowed above the file's own limit before the body is refused unread.
REQUEST_OVERHEAD_BYTES = 64 * 1024
CONTENT_TYPES = {
    "xlsx": XLSX_CONTENT_TYPE,
    "csv": "text/csv; charset=utf-8",
}
FINISHED = ("done", "refused", "failed")


def column_help():
    """The fixed columns with what each expects, for the upload page."""
    hints = {
        "district": _("the district's name, e.g. 平度市"),
        "work_type": "、".join(WorkType.VALUES),
        "quantity": _("km; the number of bridges (座) or stops (个); a unit may follow the number"),
        "surface": "沥青混凝土、水泥混凝土",
        "base_layer": "碎石类刚性基层、其他基层、无基层",
        "estimate_wan": _("万元, without land and relocation costs"),
        "plan_year": "2018、2019、2020",
        "excess": _("是 or 否 (blank: 否)"),
        "bus_bays": _("passenger-stop projects only; optional column (blank: 0)"),
        "bus_shelters": _("passenger-stop projects only; optional column (blank: 0)"),
        "bus_signs": _("passenger-stop projects only; optional column (blank: 0)"),
    }
    return [(column, hints.get(attribute, "")) for attribute, column in PROJECT_COLUMNS.items()]


def _read_upload(upload) -> bytes:
    data = upload.read(PROJECT_UPLOAD_MAX_BYTES + 1)
    upload.close()
    return data


def _render_form(request, form, error=None):
    return render(request, "roads/import.html", {
        "form": form, "error": error, "columns": column_help(),
        "export_only": list(PROJECT_EXPORT_ONLY_COLUMNS.values()),
        "max_rows": project_lists.PROJECT_UPLOAD_MAX_ROWS,
    })


def _render_preview(request, *, report, token=None):
    return render(request, "roads/import_preview.html", {
        "filename": report.filename, "report": report,
        "confirm_form": ProjectImportConfirmForm(initial={"token": token}) if token else None,
        "in_background": len(report.rows) > project_lists.BACKGROUND_ROWS,
        "form": ProjectImportForm(),
    })


@csrf_exempt  # checked by csrf_protect below, once the body is known to be of a sane size
@login_required
@permission_required("roads.manage_roadproject", raise_exception=True)
def project_import(request):
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH")
                         or 0)  # pragma: no mutate (this 0 only: a length of 0 or 1 is under the limit alike)
        except ValueError:
            length = 0  # pragma: no mutate (0 or 1: under the limit alike)
        if length > PROJECT_UPLOAD_MAX_BYTES + REQUEST_OVERHEAD_BYTES:
            # Refused before Django reads the body into memory or a temporary file.
            return _render_form(request, ProjectImportForm(), error=_("The file is too large (at most 5 MB)."))
    return _project_import(request)


@csrf_protect
def _project_import(request):
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    if request.method != "POST":
        if "pending" in request.GET:
            return _pending_preview(request)
        return _render_form(request, ProjectImportForm())
    form = ProjectImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, form)
    upload = form.cleaned_data["file"]
    report = project_lists.preview_import(_read_upload(upload), filename=upload.name, user=request.user)
    if not report.ok and all(problem.line is None for problem in report.problems):
        # The file as a whole (its format, size, encoding or limits): said on the form.
        for problem in report.problems:
            form.add_error("file", str(problem))
        return _render_form(request, form)
    _forget_pending(request)
    if report.ok:
        request.session[SESSION_KEY] = {"token": report.token, "filename": report.filename,
                                        "uploaded_at": timezone.now().isoformat()}
    return _render_preview(request, report=report, token=report.token)


def _forget_pending(request) -> None:
    """A new upload replaces the one waiting in this session: its checked rows are dropped."""
    pending = request.session.pop(SESSION_KEY, None)
    if isinstance(pending, dict) and project_lists.waiting_import(
            str(pending.get("token", "")), user=request.user, now=timezone.now()):
        import_store.discard(pending["token"])


def pending_import(session) -> dict | None:
    """The upload waiting in this session for its confirmation: its file name and upload time."""
    pending = session.get(SESSION_KEY)
    meta = import_store.meta(pending.get("token", "")) if isinstance(pending, dict) else None
    if meta is None or project_lists.has_expired(meta, timezone.now()):
        return None
    try:
        uploaded_at = timezone.localtime(dt.datetime.fromisoformat(pending.get("uploaded_at", "")))
    except (TypeError, ValueError):
        uploaded_at = None
    return {"filename": pending.get("filename", ""), "uploaded_at": uploaded_at}


def _pending_preview(request):
    """The waiting upload's preview again (from its checked rows), with its confirm button."""
    pending = request.session.get(SESSION_KEY)
    token = str(pending.get("token", "")) if isinstance(pending, dict) else ""
    report = project_lists.shown_again(token, user=request.user)
    if not report.rows:
        messages.error(request, _("No import is waiting for confirmation."))
        return redirect("roads:project-import")
    # The projects may have changed since the upload: a preview with errors can no longer be confirmed.
    return _render_preview(request, report=report, token=report.token)


def _confirm(request):
    form = ProjectImportConfirmForm(request.POST)
    pending = request.session.get(SESSION_KEY)
    if not form.is_valid() or not isinstance(pending, dict) or not constant_time_compare(
            form.cleaned_data["token"], str(pending.get("token", ""))):
        messages.error(request, str(project_lists.expired_problem().reason))
        return redirect("roads:project-import")
    request.session.pop(SESSION_KEY, None)
    token = form.cleaned_data["token"]
    meta = project_lists.waiting_import(token, user=request.user, now=timezone.now())
    if meta is not None and project_lists.runs_in_background(meta):
        return _confirm_in_background(request, token, pending)
    report = project_lists.confirm_import(token, user=request.user)
    if report.saved:
        messages.success(request, _("%(filename)s imported: %(new)s project(s) created, %(update)s updated, "
                                    "%(skip)s unchanged.") % {"filename": report.filename, **report.totals})
        return redirect("roads:project-import")
    if not report.rows:  # expired, or confirmed already
        messages.error(request, str(report.problems[0].reason))
        return redirect("roads:project-import")
    messages.error(request, project_lists.changed_since_preview_message())
    return _render_preview(request, report=report)


def _confirm_in_background(request, token, pending):
    from programs.roads import tasks

    # A broker that is down: the list stays waiting (not claimed), the manager confirms it again later.
    if not broker_reachable():
        request.session[SESSION_KEY] = pending
        messages.error(request, _("The background service cannot be reached just now, so nothing was saved. "
                                  "The list is still waiting: confirm it again in a few minutes."))
        return redirect(reverse("roads:project-import") + "?pending=1")
    if project_lists.claim_for_background(token, user=request.user) is None:
        messages.error(request, str(project_lists.expired_problem().reason))
        return redirect("roads:project-import")

    def not_queued(_exc):  # the broker went down since the check: say so rather than wait forever
        import_store.write_progress(token, {**(import_store.progress(token) or {}), "state": "failed",
                                            "problems": [[None, NO_COLUMN, _("This import could not be saved.")]]})

    # Published now: the list waits in the import store, outside any transaction, and the
    # status page must know whether it was queued.
    enqueue(tasks.import_project_list, (token, request.user.pk, translation.get_language()), after_commit=False,
            on_failure=not_queued)
    return redirect("roads:project-import-status", token=token)


def _progress_of(request, token) -> dict:
    progress = import_store.progress_shown(token, timezone.now())
    if not progress or progress.get("user_id") != request.user.pk:
        raise Http404
    return progress


@login_required
@permission_required("roads.manage_roadproject", raise_exception=True)
@never_cache
@require_GET
def project_import_status(request, token):
    """A list being saved in the background: its progress bar, then what was saved or why not."""
    progress = _progress_of(request, token)
    return render(request, "roads/import_status.html", {
        "progress": progress, "finished": progress["state"] in FINISHED, "stalled_minutes": job_files.stalled_minutes(),
        "progress_url": reverse("roads:project-import-progress", args=[token]),
        "problems": [{"line": line, "column": column, "reason": reason}
                     for line, column, reason in progress.get("problems") or []],
        "form": ProjectImportForm(),
    })


@login_required
@permission_required("roads.manage_roadproject", raise_exception=True)
@never_cache
@require_GET
def project_import_progress(request, token):
    """The progress as JSON: {state, done, total, percent, stalled} (rows saved of those to save)."""
    return JsonResponse(job_files.progress_json(_progress_of(request, token)))


@require_GET
@login_required
@permission_required("roads.view_roadproject", raise_exception=True)
def project_export(request, file_kind):
    projects = (RoadProject.objects.visible_to(request.user).select_related("district")
                .order_by("district__position", "plan_year", "id"))
    try:
        refuse_too_many_rows(projects)
    except ExportRefused as refused:
        messages.error(request, str(refused))
        return redirect("roads:project-import")  # the page that links the exports
    content = export_projects(projects, file_kind)
    filename = f"农村公路项目清单-{timezone.localdate():%Y%m%d}.{file_kind}"
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_kind])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
