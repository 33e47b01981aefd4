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
EXPORT_JOB_DIR = Path(tempfile.mkdtemp(prefix=f"policyops-test-exports-{_worker}-"))  # background exports
for _folder in (MEDIA_ROOT, STATIC_ROOT, ROADS_IMPORT_DIR, EXPORT_JOB_DIR):
    atexit.register(shutil.rmtree, _folder, ignore_errors=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# django-axes needs the request in every authenticate(); client.login() gives none. Its
# lockout is tested with override_settings(AXES_ENABLED=True) (tests/policyops/test_security_settings.py).
AXES_ENABLED = False
# The cache is this process's own (a file cache as on a laptop, in a temporary folder): a
# shared one would let one xdist worker's cache.clear() reset another's rate limits.
CACHE_DIR = Path(tempfile.mkdtemp(prefix=f"policyops-test-cache-{_worker}-"))
atexit.register(shutil.rmtree, CACHE_DIR, ignore_errors=True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                      "LOCATION": str(CACHE_DIR), "OPTIONS": {"MAX_ENTRIES": 20000}}}

# The audit table's triggers refuse TRUNCATE, but transactional tests flush every table with
# it: the test database opens the escape hatch (migration 0007; honoured in test_* databases only).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c policyops.audit_maintenance=on".strip()
