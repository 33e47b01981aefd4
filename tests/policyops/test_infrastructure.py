"""The services the settings point at are really there (Redis and PostgreSQL in CI)."""
import os

import pytest
from django.conf import settings
from django.db import connection

from policyops.celery import app


def test_celery_broker_is_reachable():
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        settings.CELERY_BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.connected


def test_broker_follows_the_environment():
    expected = os.environ.get("CELERY_BROKER_URL", "filesystem://")
    assert settings.CELERY_BROKER_URL == expected
    assert app.conf.broker_url == expected


@pytest.mark.django_db
def test_database_follows_the_environment():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected



def test_a_missing_collectstatic_folder_is_not_warned_about_outside_production(tmp_path):
    """whitenoise warns of a missing STATIC_ROOT once per handler; a fresh checkout has none (the
    apps' folders are served). Run apart: pytest drops filters installed while it configures."""
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "policyops.settings", "POLICYOPS_VAR_DIR": str(tmp_path),
           "POLICYOPS_ENV": "development"}
    code = ("import django; django.setup(); from whitenoise.middleware import WhiteNoiseMiddleware; "
            "WhiteNoiseMiddleware(lambda request: None)")
    done = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", code], env=env, capture_output=True,
                          text=True, cwd=settings.BASE_DIR)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_favicon_every_browser_asks_for_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")  # an ICO file's header
