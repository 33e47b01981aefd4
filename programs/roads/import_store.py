"""Project lists waiting for their confirmation, and the progress of one being saved.

The preview checks a list and keeps what it found here under a random token: the checked
rows, who uploaded the file, its name and sha256, and when the token expires. The confirm
takes the token and saves those rows; it never reads the file again. Each token is a
folder (policyops.job_files) under ``settings.ROADS_IMPORT_DIR`` (default ``VAR_DIR/roads-imports``), readable by
the web server and the Celery worker alike (the default cache is per process):

* ``meta.json``: who, which file, when it expires (small: the home page's panel reads it);
  renamed ``claimed.json`` by the one confirm that takes it;
* ``rows.pickle``: the checked rows (pickled, as Django's file-based cache keeps its
  values: only this application writes the folder, and a token is checked to be one
  before it names a path);
* ``progress.json``: while a large list is saved in the background, rows done of all.

What is valid (whose token, until when) is decided by programs.roads.project_lists; this
module only keeps files. A folder past its expiry is removed by the next preview, or by the
daily 项目清单暂存清理 (programs.roads.tasks.purge_waiting_lists).
"""
from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from policyops import job_files


def root() -> Path:
    return Path(getattr(settings, "ROADS_IMPORT_DIR", None) or Path(settings.VAR_DIR) / "roads-imports")


def _folder(token: str) -> Path | None:
    """The token's folder; None for anything that is not a token (never a path outside root())."""
    return job_files.folder(root(), token)


def save(token: str, meta: dict, rows: list) -> None:
    folder = _folder(token)
    if folder is None:
        raise ValueError("not a token")
    folder.mkdir(parents=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        pickle.dump(rows, out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, folder / "rows.pickle")
    job_files.write_json(folder / "meta.json", meta)  # last: a folder with meta.json is complete


def meta(token: str) -> dict | None:
    """The waiting list's meta data; None once claimed, removed or for an unknown token."""
    folder = _folder(token)
    return None if folder is None else job_files.read_json(folder / "meta.json")


def claimed_meta(token: str) -> dict | None:
    folder = _folder(token)
    return None if folder is None else job_files.read_json(folder / "claimed.json")


def rows(token: str) -> list | None:
    folder = _folder(token)
    if folder is None:
        return None
    try:
        with (folder / "rows.pickle").open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None  # gone, or written by another version of this code: as if expired


def claim(token: str) -> bool:
    """Take the waiting list for its confirm; only one caller ever gets True (a rename)."""
    folder = _folder(token)
    if folder is None:
        return False
    try:
        os.rename(folder / "meta.json", folder / "claimed.json")
    except OSError:
        return False
    return True


def discard_rows(token: str) -> None:
    """Forget the list (its rows and meta data); its progress, if any, stays for the page that shows it."""
    folder = _folder(token)
    if folder is None:
        return
    for name in ("meta.json", "claimed.json", "rows.pickle"):
        (folder / name).unlink(missing_ok=True)


def discard(token: str) -> None:
    folder = _folder(token)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def write_progress(token: str, progress: dict) -> None:
    folder = _folder(token)
    if folder is None:
        raise ValueError("not a token")
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    job_files.write_json(folder / "progress.json", progress)


def progress_shown(token: str, now: dt.datetime) -> dict | None:
    """The progress with its percent and whether it has stalled (policyops.job_files.progress)."""
    folder = _folder(token)
    return None if folder is None else job_files.progress(folder / "progress.json", now)


def progress(token: str) -> dict | None:
    folder = _folder(token)
    return None if folder is None else job_files.read_json(folder / "progress.json")


def purge(now: dt.datetime) -> int:
    """Remove every folder whose expiry (in its meta data or progress) is past ``now``; how many."""
    return job_files.purge(root(), now, names=("meta.json", "claimed.json", "progress.json"))
