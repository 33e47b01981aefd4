"""Run the whole app on one machine: web server, Celery worker and beat.

With the default settings this needs no server at all (SQLite, filesystem broker).
"""
import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the development web server together with a Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-celery", action="store_true", help="Run the web server only.")

    def handle(self, *args, **options):
        worker = None
        if not options["no_celery"]:
            settings.CELERY_BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
            (settings.CELERY_BROKER_FOLDER / "processed").mkdir(parents=True, exist_ok=True)
            # One process runs the worker and the one beat (-B); solo pool keeps it light.
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "policyops", "worker", "-B", "--pool=solo",
                 "--loglevel=INFO", "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")],
                env=os.environ.copy(),
            )
            self.stdout.write(f"Celery worker and beat started (pid {worker.pid}).")
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=20)
