"""An admin list longer than one web request may export (policyops.exporting.EXPORT_MAX_ROWS),
exported by a Celery worker into a file its requester downloads.

The export page's form is posted as for any export. Past the limit, ExportLimitMixin keeps
what the request named — the admin, the list's filters and search (the export URL's query),
the form's data (format, columns), the user and language — in a token folder
(policyops.job_files), queues ``policyops.tasks.export_admin_list`` and shows the export's
page. The worker rebuilds that request as that user, asks the admin for the same queryset
and form, and writes the rows a chunk at a time through the admin's own
``get_data_for_export`` — the columns and cells of an export in the request, in the list's
order — into an XLSX (at most Excel's 1,048,575 rows) or a CSV, so that its memory does not
grow with the list (a supervisor's million cases). The page shows the progress and then the
file; only the user who asked may see either. A folder is kept two days from its start (the
file may be downloaded again meanwhile), then removed by the daily 后台导出文件清理 or the next
export started, whichever comes first.

Folder: ``meta.json`` (who, which admin, the request, the file's name, when it expires),
``progress.json`` (state queued/running/done/failed, rows done of all, a message) and the
file ``export.xlsx`` or ``export.csv``.
"""
from __future__ import annotations

import csv
import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from policyops import job_files
from policyops.xlsx import write_workbook

logger = logging.getLogger(__name__)

# Rows read and written at a time: the worker's memory holds one chunk's instances and cells.
CHUNK_ROWS = 5_000
# Excel's sheet holds 1,048,576 rows, the header's one of them; a CSV has no such limit.
XLSX_MAX_ROWS = 1_048_575
# How long a finished export waits for its download.
KEPT_FOR = dt.timedelta(days=2)
FORMATS = {base_formats.XLSX: "xlsx", base_formats.CSV: "csv"}
FINISHED = ("done", "failed")
JSON_NAMES = ("meta.json", "progress.json")


def root() -> Path:
    return Path(getattr(settings, "EXPORT_JOB_DIR", None) or Path(settings.VAR_DIR) / "exports")


def _folder(token: str) -> Path | None:
    return job_files.folder(root(), token)


def extension_of(file_format) -> str | None:
    """"xlsx" or "csv" for a format a background export writes; None for any other."""
    return FORMATS.get(type(file_format))


def too_long_for(extension: str, total: int) -> str | None:
    """Why a file of ``total`` rows cannot be written as ``extension``; None when it can."""
    if extension == "xlsx" and total > XLSX_MAX_ROWS:
        return _("An Excel sheet holds at most %(limit)s rows and this list has %(total)s: export it as CSV, "
                 "or narrow it with its filters.") % {"limit": f"{XLSX_MAX_ROWS:,}", "total": f"{total:,}"}
    return None


def purge(now: dt.datetime) -> int:
    """Remove the exports kept past their two days (the next export started does too); how many."""
    return job_files.purge(root(), now, names=JSON_NAMES)


def start(model_admin, request, *, file_format, filename: str, title: str, total: int, now: dt.datetime) -> str:
    """Keep the export ``request`` names in a new folder; its token. The caller queues it."""
    purge(now)
    token = job_files.new_token()
    folder = _folder(token)
    folder.mkdir(parents=True, mode=0o700)
    post = request.POST.copy()
    post.pop("csrfmiddlewaretoken", None)
    meta = {"user_id": request.user.pk, "admin": model_admin.model._meta.label_lower,
            "path": request.path, "query": request.GET.urlencode(),
            "post": post.urlencode(), "language": translation.get_language() or settings.LANGUAGE_CODE,
            "extension": extension_of(file_format), "filename": filename, "title": title, "created_at": now.isoformat(),
            "expires_at": (now + KEPT_FOR).isoformat()}
    job_files.write_json(folder / "progress.json", {"state": "queued", "done": 0, "total": total,
                                                    "expires_at": meta["expires_at"]})
    job_files.write_json(folder / "meta.json", meta)  # last: a folder with meta.json is complete
    return token


def meta_for(token: str, user) -> dict | None:
    """The export's meta data, for its own user only (None for anyone else, or once removed)."""
    folder = _folder(token)
    meta = None if folder is None else job_files.read_json(folder / "meta.json")
    return meta if meta and meta.get("user_id") == user.pk else None


def progress(token: str, now: dt.datetime) -> dict:
    """{state, done, total, percent, stalled, message} (job_files.progress); failed once removed."""
    folder = _folder(token)
    found = (job_files.progress(folder / "progress.json", now) if folder else None) or {}
    return {"state": found.get("state", "failed"), "done": found.get("done", 0), "total": found.get("total", 0),
            "percent": found.get("percent", 0), "stalled": found.get("stalled", False),
            "message": found.get("message", "")}


def file_path(token: str, meta: dict) -> Path | None:
    """The finished file (None while it is being written, or if it failed)."""
    folder = _folder(token)
    path = folder / f"export.{meta['extension']}"
    written = (job_files.read_json(folder / "progress.json") or {}).get("state") == "done"
    return path if written and path.is_file() else None


def mark_failed(token: str, message: str) -> None:
    folder = _folder(token)
    if folder is not None and folder.is_dir():
        job_files.write_json(folder / "progress.json", {**(job_files.read_json(folder / "progress.json") or {}),
                                                        "state": "failed", "message": message})


def recent_for(user, model_admin, now: dt.datetime) -> list[dict]:
    """The user's exports of this admin's list still kept, newest first: {token, filename, created_at}
    and their ``progress``."""
    found = []
    for folder in job_files.folders(root()):
        meta = job_files.read_json(folder / "meta.json")
        if meta and meta.get("user_id") == user.pk and meta.get("admin") == model_admin.model._meta.label_lower:
            found.append({"token": folder.name, "filename": meta["filename"], "created_at": meta["created_at"],
                          **progress(folder.name, now)})
    return sorted(found, key=lambda job: job["created_at"], reverse=True)


# --- the worker ------------------------------------------------------------------------------------


def _request_of(meta: dict, user) -> HttpRequest:
    """The export's request as the admin saw it: its user, list (GET) and form (POST)."""
    request = HttpRequest()
    request.method = "POST"
    request.path = request.path_info = meta["path"]
    request.GET = QueryDict(meta["query"])
    request.POST = QueryDict(meta["post"])
    request.META = {"SERVER_NAME": "localhost", "SERVER_PORT": "80", "REQUEST_METHOD": "POST",
                    "QUERY_STRING": meta["query"]}
    request.user = user
    return request


def run(token: str) -> None:
    """Write the export ``token`` names (``policyops.tasks.export_admin_list``). Run again after
    a worker was lost, it starts over; run once it has finished, it does nothing."""
    folder = _folder(token)
    meta = job_files.read_json(folder / "meta.json") if folder else None
    state = job_files.read_json(folder / "progress.json") if folder else None
    if not meta or not state or state.get("state") in FINISHED:
        return

    def record(**changes):
        state.update(changes)
        job_files.write_json(folder / "progress.json", state)

    user = get_user_model().objects.filter(pk=meta["user_id"], is_active=True).first()
    with translation.override(meta["language"]):
        model_admin = admin.site._registry.get(_model_of(meta["admin"])) if user else None
        request = _request_of(meta, user) if model_admin else None
        if request is None or not model_admin.has_export_permission(request):
            record(state="failed", message=_("You may no longer export this list."))
            return
        formats = model_admin.get_export_formats()
        form = model_admin.get_export_form_class()(formats, model_admin.get_export_resource_classes(request),
                                                   data=request.POST)
        if not form.is_valid():
            record(state="failed", message=_("The export's choices are no longer valid; export the list again."))
            return
        queryset = model_admin.get_export_queryset(request)
        total = queryset.count()
        refused = too_long_for(meta["extension"], total)
        if refused:
            record(state="failed", total=total, message=refused)
            return
        record(state="running", done=0, total=total)
        target = folder / f"export.{meta['extension']}"
        try:
            rows = _rows(model_admin, request, queryset, form, binary=meta["extension"] == "xlsx",
                         on_chunk=lambda done: record(done=done))
            _write(target, meta, rows, encoding=model_admin.to_encoding or "utf-8")
        except Exception:
            logger.exception("Background export %s failed", token)
            target.unlink(missing_ok=True)
            record(state="failed", message=_("This export could not be written."))
            raise
        record(state="done")


def _model_of(label_lower: str):
    from django.apps import apps

    try:
        return apps.get_model(label_lower)
    except (LookupError, ValueError):
        return None


def _rows(model_admin, request, queryset, form, *, binary: bool, on_chunk):
    """(headers, rows): the export's header and its rows, a chunk of the list at a time, each
    through the admin's own get_data_for_export (the chunk in the list's order)."""
    # The keys in the list's order (the changelist's, made total), read at once: a million take
    # some 40 MB, where a server-side cursor left open by a failed export broke the connection's
    # next transaction.
    keys = list(queryset.values_list("pk", flat=True))
    chunks = (keys[start:start + CHUNK_ROWS] for start in range(0, len(keys), CHUNK_ROWS))
    first = next(chunks, [])
    dataset = model_admin.get_data_for_export(request, queryset.filter(pk__in=first), force_native_type=binary,
                                              export_form=form)

    def rows():
        yield from dataset
        done = len(first)
        on_chunk(done)
        for chunk in chunks:
            yield from model_admin.get_data_for_export(request, queryset.filter(pk__in=chunk),
                                                       force_native_type=binary, export_form=form)
            done += len(chunk)
            on_chunk(done)

    return dataset.headers, rows()


def _write(target: Path, meta: dict, header_and_rows, *, encoding: str) -> None:
    header, rows = header_and_rows
    if meta["extension"] == "xlsx":
        # Rows of the admin's Resource, their text through safe_cell already (as dataset_xlsx's).
        write_workbook(str(target), [(meta["title"], header, rows)], text_is_safe=True)
        return
    with target.open("w", encoding=encoding, newline="") as out:  # as tablib writes the request's CSV
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


