"""Test settings: the real settings with faster hashing and eager Celery."""
import atexit
import os
import shutil
import tempfile
from pathlib import Path

from policyops.settings import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# Media and static files go to temporary folders of this process: each pytest-xdist
# worker (PYTEST_XDIST_WORKER=gw0, gw1, …) has its own; they are removed at exit.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix=f"policyops-test-media-{_worker}-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix=f"policyops-test-static-{_worker}-"))
ROADS_IMPORT_DIR = Path(tempfile.mkdtemp(prefix=f"policyops-test-imports-{_worker}-"))  # previewed lists
for _folder in (MEDIA_ROOT, STATIC_ROOT, ROADS_IMPORT_DIR):
    atexit.register(shutil.rmtree, _folder, ignore_errors=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
