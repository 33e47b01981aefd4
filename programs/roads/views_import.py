"""Importing and exporting project lists (CSV / XLSX) for programme managers.

Upload → preview (a dry run: what would be created, updated or left unchanged, and every
error with its line, column and reason) → confirm (the same file, imported all-or-nothing).
Both steps run the one import pipeline (policyops.importing.import_table, through
project_lists.import_project_table): its limits, encodings, header check and transaction.
Between preview and confirm the file waits in the user's session (at most 5 MB), under a
random token that the confirm form must send back.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from policyops.xlsx import XLSX_CONTENT_TYPE
from programs.roads.forms import ProjectImportConfirmForm, ProjectImportForm
from programs.roads.models import RoadProject
from programs.roads.project_lists import (
    PROJECT_UPLOAD_MAX_BYTES,
    export_projects,
    import_project_table,
    preview_of,
)
from programs.roads.resources import PROJECT_COLUMNS, PROJECT_EXPORT_ONLY_COLUMNS
from programs.roads.rules import WorkType

SESSION_KEY = "roads_project_import"
# Multipart overhead allowed above the file's own limit before the body is refused unread.
REQUEST_OVERHEAD_BYTES = 64 * 1024
CONTENT_TYPES = {
    "xlsx": XLSX_CONTENT_TYPE,
    "csv": "text/csv; charset=utf-8",
}


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
    })


def _render_preview(request, *, filename, report, token=None):
    return render(request, "roads/import_preview.html", {
        "filename": filename, "report": preview_of(report),
        "confirm_form": ProjectImportConfirmForm(initial={"token": token}) if token else None,
        "form": ProjectImportForm(),
    })


@csrf_exempt  # checked by csrf_protect below, once the body is known to be of a sane size
@login_required
@permission_required("roads.manage_roadproject", raise_exception=True)
def project_import(request):
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
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
    content = _read_upload(upload)
    report = import_project_table(content, filename=upload.name, user=request.user, dry_run=True)
    if not report.ok and all(problem.line is None for problem in report.problems):
        # The file as a whole (its format, size, encoding or limits): said on the form.
        for problem in report.problems:
            form.add_error("file", str(problem))
        return _render_form(request, form)
    request.session.pop(SESSION_KEY, None)
    token = None
    if report.ok:
        token = secrets.token_urlsafe(24)
        request.session[SESSION_KEY] = {
            "token": token, "filename": upload.name, "data": base64.b64encode(content).decode("ascii"),
            "sha256": hashlib.sha256(content).hexdigest(), "uploaded_at": timezone.now().isoformat(),
        }
    return _render_preview(request, filename=upload.name, report=report, token=token)


def pending_import(session) -> dict | None:
    """The upload waiting in this session for its confirmation: its file name and upload time."""
    pending = session.get(SESSION_KEY)
    if not isinstance(pending, dict) or not pending.get("token"):
        return None
    try:
        uploaded_at = timezone.localtime(dt.datetime.fromisoformat(pending.get("uploaded_at", "")))
    except (TypeError, ValueError):
        uploaded_at = None
    return {"filename": pending.get("filename", ""), "uploaded_at": uploaded_at}


def _pending_preview(request):
    """The waiting upload's preview again (a dry run of the stored file), with its confirm button."""
    pending = request.session.get(SESSION_KEY)
    content = _stored_content(pending)
    if content is None:
        messages.error(request, _("No import is waiting for confirmation."))
        return redirect("roads:project-import")
    report = import_project_table(content, filename=pending["filename"], user=request.user, dry_run=True)
    # The projects may have changed since the upload: a preview with errors can no longer be confirmed.
    return _render_preview(request, filename=pending["filename"], report=report,
                           token=pending["token"] if report.ok else None)


def _stored_content(pending) -> bytes | None:
    if not isinstance(pending, dict):
        return None
    try:
        content = base64.b64decode(pending["data"])
    except (KeyError, ValueError, TypeError):
        return None
    return content if hashlib.sha256(content).hexdigest() == pending.get("sha256") else None


def _confirm(request):
    form = ProjectImportConfirmForm(request.POST)
    pending = request.session.get(SESSION_KEY)
    if not form.is_valid() or not isinstance(pending, dict) or not constant_time_compare(
            form.cleaned_data["token"], str(pending.get("token", ""))):
        messages.error(request, _("This preview has expired or was replaced by another upload; upload the file "
                                  "again."))
        return redirect("roads:project-import")
    request.session.pop(SESSION_KEY, None)
    content = _stored_content(pending)
    if content is None:
        messages.error(request, _("The uploaded file could not be read again; upload it again."))
        return redirect("roads:project-import")
    report = import_project_table(content, filename=pending["filename"], user=request.user, dry_run=False)
    if not report.saved:
        messages.error(request, _("Nothing was imported: the projects changed since the preview. Correct the file "
                                  "and upload it again."))
        return _render_preview(request, filename=pending["filename"], report=report)
    messages.success(request, _("%(filename)s imported: %(new)s project(s) created, %(update)s updated, "
                                "%(skip)s unchanged.") % {"filename": pending["filename"], **report.totals})
    return redirect("roads:project-import")


@require_GET
@login_required
@permission_required("roads.view_roadproject", raise_exception=True)
def project_export(request, file_kind):
    projects = (RoadProject.objects.visible_to(request.user).select_related("district")
                .order_by("district__position", "plan_year", "id"))
    content = export_projects(projects, file_kind)
    filename = f"农村公路项目清单-{timezone.localdate():%Y%m%d}.{file_kind}"
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_kind])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
