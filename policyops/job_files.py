"""Folders of work done in the background, each named by a random token.

The web server and the Celery worker share them (the default cache is per process): a road
project list waiting for its confirmation (programs.roads.import_store), an admin list being
exported (policyops.background_exports). What a token may do, and for whom, is decided by
those modules; this one keeps files: JSON written aside then renamed (a reader never sees
half a file), a token checked to be one before it names a path, and old folders removed.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
# A folder that names no expiry yet is being written; past this age it is a leftover.
UNFINISHED_FOLDER_MAX_AGE = dt.timedelta(hours=24)
# A job queued or running whose progress file has not been written for this long has most
# likely lost its worker: a chunk of rows is written in seconds, a queue of others' jobs
# takes minutes. The broker hands the job to a worker again after its visibility timeout (an
# hour, policyops.settings); meanwhile the job's page says what happened.
STALLED_AFTER = dt.timedelta(minutes=15)
LIVE_STATES = ("queued", "running")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def folder(root: Path, token: str) -> Path | None:
    """The token's folder under ``root``; None for anything that is not a token (never a path
    outside ``root``)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    return root / token


def write_json(path: Path, data) -> None:
    # Written aside, then renamed: a reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_json(path: Path):
    """The JSON at ``path``; None when it is missing or unreadable."""
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def progress(path: Path, now: dt.datetime) -> dict | None:
    """The progress written at ``path`` (None when there is none), with what its page shows
    worked out: ``done`` and ``total`` (0 when unknown), ``percent``, and ``stalled`` — queued or
    running, and not written for STALLED_AFTER (the file's time says when it was written last)."""
    try:
        written_at = path.stat().st_mtime
    except OSError:
        return None
    found = read_json(path)
    if not isinstance(found, dict):
        return None
    total, done = found.get("total") or 0, found.get("done") or 0
    percent = 100 if found.get("state") == "done" else (min(done * 100 // total, 100) if total else 0)
    stalled = (found.get("state") in LIVE_STATES
               and now.timestamp() - written_at > STALLED_AFTER.total_seconds())
    return {**found, "done": done, "total": total, "percent": percent, "stalled": stalled}


def stalled_minutes() -> int:
    return int(STALLED_AFTER.total_seconds() // 60)


def progress_json(progress: dict) -> dict:
    """What policyops/job_progress.js reads of a progress."""
    return {key: progress[key] for key in ("state", "done", "total", "percent", "stalled")}


def folders(root: Path) -> list[Path]:
    """The token folders under ``root`` (none when it does not exist yet)."""
    try:
        return [f for f in root.iterdir() if f.is_dir() and TOKEN.fullmatch(f.name)]
    except OSError:
        return []


def purge(root: Path, now: dt.datetime, *, names: tuple[str, ...]) -> int:
    """Remove every folder under ``root`` whose expiry (``expires_at`` in the first of its JSON
    files ``names`` that has one) is past ``now``, and leftovers that never got one; how many."""
    removed = 0
    for found in folders(root):
        data = next((d for d in (read_json(found / name) for name in names) if d and d.get("expires_at")), None)
        try:
            expired = data is None or dt.datetime.fromisoformat(data["expires_at"]) < now
        except (TypeError, ValueError):
            expired = True
        if expired and data is None:
            # A folder being written (no meta data yet) is young; only an old one is a leftover.
            expired = now.timestamp() - found.stat().st_mtime > UNFINISHED_FOLDER_MAX_AGE.total_seconds()
        if expired:
            shutil.rmtree(found, ignore_errors=True)
            removed += 1
    return removed
