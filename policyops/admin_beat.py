"""The periodic tasks' admin (周期任务): django-celery-beat's, with its actions made safe.

"Run selected tasks" sends the tasks to the broker from the web request. With the default
filesystem broker the folder exists only once ``manage.py serve`` has created it, and a
Redis broker may be down: either way kombu raised and the page answered 500. Here the
broker folder is created when needed and a broker failure is reported as a message.
The actions that change the tasks (enable, disable, toggle, run) need the change
permission, not only the view permission.
"""
from pathlib import Path

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import KombuError


def ensure_broker_folders(app) -> None:
    """kombu's filesystem transport fails when its folders are missing: create them."""
    if not str(app.conf.broker_url or "").startswith("filesystem://"):
        return
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


class PeriodicTaskAdmin(BeatPeriodicTaskAdmin):
    def run_tasks(self, request, queryset):
        try:
            ensure_broker_folders(self.celery_app)
            return super().run_tasks(request, queryset)
        except (KombuError, OSError) as exc:
            self.message_user(request, _(
                "The tasks could not be queued: the message broker is not reachable (%(error)s). Check "
                "CELERY_BROKER_URL and that the worker is running.") % {"error": exc}, messages.ERROR)
            return None

    run_tasks.short_description = BeatPeriodicTaskAdmin.run_tasks.short_description

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            for name in ("enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks"):
                actions.pop(name, None)
        return actions


if admin.site.is_registered(PeriodicTask):
    admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, PeriodicTaskAdmin)
