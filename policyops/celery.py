"""The Celery app. Tasks live in each app's tasks.py, take ids and call services."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyops.settings")

app = Celery("policyops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
