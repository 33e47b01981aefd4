"""The SECRET_KEY of a laptop install: generated once, kept in VAR_DIR/secret_key (mode 0600).

Imported by settings, so it uses nothing of Django but its key generator. Production
never comes here: it must give SECRET_KEY in the environment (settings refuses to start).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.management.utils import get_random_secret_key

FILE_MODE = 0o600  # the key signs sessions and password links: readable by its owner only


def load_or_create(path: Path) -> str:
    """The key kept at ``path``; created there (0600) on first use.

    Two processes starting together (``serve``'s web server and its Celery worker) get the
    same key: the new key is written to a temporary file and linked into place, which
    fails for the second one, who then reads the first one's complete file.
    """
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(get_random_secret_key() + "\n")
        os.chmod(temporary, FILE_MODE)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it and a new key is made")
    return key
