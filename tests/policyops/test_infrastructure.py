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
