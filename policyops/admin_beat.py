"""The periodic tasks' admin (周期任务): django-celery-beat's, with a safe "run now" and Chinese labels.

Supervisors edit the schedules and may run a sweep at once (README). "Run now":
- with the embedded filesystem broker there may be no worker listening (``runserver``
  alone), so the sweep runs here, in the request, and the message says what it did;
- with a real broker (Redis) the task is queued for the worker; a broker that is down is
  reported as a message, never a 500.
Every run is written to the audit trail, and so is every change to a task or a schedule
(AuditedAdminMixin) and every task the enable, disable and toggle actions switch: switching
off the deadline sweep stops reminders for the whole city, and the trail must say who did.
The actions that change the tasks (enable, disable, toggle, run) need the change
permission, not only the view permission.

django-celery-beat's own run message is pieced together from English plurals ("10 任务s
将 启动成功") and its model calls the task field 'Task Name' without gettext: both are
replaced here, since neither can be fixed in a catalogue.
"""
import json

from celery.schedules import ParseException
from cron_descriptor import ExpressionDescriptor, Options
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_celery_beat import admin as beat_admin
from django_celery_beat import models as beat_models
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from kombu.exceptions import KombuError

from policyops import audit
from policyops.admin_base import AuditedAdminMixin, LabelledTabularInline
from policyops.enqueue import enqueue, ensure_broker_folders

TASK_LABEL = gettext_lazy("Celery task")


def embedded_broker(app) -> bool:
    """The filesystem broker of a laptop install: no guarantee that a worker is listening."""
    return str(app.conf.broker_url or "").startswith("filesystem://")


class TaskFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = TASK_LABEL


class PeriodicTaskForm(beat_admin.PeriodicTaskForm):
    """django-celery-beat's form, refusing what it let through to a 500 (the admin crawl, round 23)."""

    def clean_regtask(self):
        # Its field takes any text as a registered task (``valid_value`` is always true).
        task = self.cleaned_data["regtask"]
        if task and task not in dict(self.fields["regtask"].widget.choices):
            raise ValidationError(_("Choose one of the registered tasks."))
        return task

    def clean_headers(self):
        # Left empty, the model saves NULL into its NOT NULL column (an IntegrityError): {} is none.
        return self.cleaned_data["headers"] or "{}"

    def clean(self):
        if "task" in self._errors:  # too long, or a NUL: said already; beat's clean read it (a KeyError)
            return self.cleaned_data  # pragma: no mutate  (None too: Django then keeps the form's cleaned_data)
        return super().clean()

    def _post_clean(self):
        # Beat's model checks the schedule choice in validate_unique, in English without gettext.
        super()._post_clean()
        for name, errors in self._errors.items():
            self._errors[name] = self.error_class([str(SCHEDULE_CHOICE_MESSAGES.get(e, e)) for e in errors])


# django-celery-beat's PeriodicTask.validate_unique, word for word (models.py; no msgid to translate).
SCHEDULE_CHOICE_MESSAGES = {
    "One of clocked, interval, crontab, or solar must be set.": gettext_lazy(
        "Choose a schedule: a crontab, an interval, a solar event or a clocked time."),
    "Only one of clocked, interval, crontab, or solar must be set": gettext_lazy(
        "Choose only one schedule: a crontab, an interval, a solar event or a clocked time."),
    "clocked must be one off, one_off must set True": gettext_lazy(
        "A clocked time runs once: tick \"one-off task\"."),
}


class PeriodicTaskAdmin(AuditedAdminMixin, beat_admin.PeriodicTaskAdmin):
    form = PeriodicTaskForm
    list_filter = ("enabled", "one_off", ("task", TaskFilter), "start_time", "last_run_at")
    # Beat's column is the model's property, headed "Scheduler" by its name: the same value, labelled.
    list_display = tuple("schedule_in_use" if name == "scheduler" else name
                         for name in beat_admin.PeriodicTaskAdmin.list_display)
    # django-celery-beat's form without its inline script, which the CSP refuses (see the template).
    change_form_template = "admin/policyops/change_periodictask_form.html"

    # django-celery-beat switches tasks with one queryset.update(): each task it switched gets
    # its audit row in the same transaction ("enable" / "disable", as the task is afterwards).

    def _switched(self, request, queryset, switch):
        with transaction.atomic():
            was_enabled = dict(queryset.select_for_update().order_by("pk").values_list("pk", "enabled"))
            switch(request, queryset)
            for task in PeriodicTask.objects.filter(pk__in=was_enabled).order_by("pk"):
                if task.enabled != was_enabled[task.pk]:
                    audit.record(obj=task, action="enable" if task.enabled else "disable", actor=request.user)

    @admin.action(description=beat_admin.PeriodicTaskAdmin.enable_tasks.short_description, permissions=["change"])
    def enable_tasks(self, request, queryset):
        self._switched(request, queryset, super().enable_tasks)

    @admin.action(description=beat_admin.PeriodicTaskAdmin.disable_tasks.short_description, permissions=["change"])
    def disable_tasks(self, request, queryset):
        self._switched(request, queryset, super().disable_tasks)

    @admin.action(description=beat_admin.PeriodicTaskAdmin.toggle_tasks.short_description, permissions=["change"])
    def toggle_tasks(self, request, queryset):
        self._switched(request, queryset, super().toggle_tasks)

    @admin.display(description=gettext_lazy("Schedule"))
    def schedule_in_use(self, obj):
        return obj.scheduler

    # Beat's read-only field, labelled by its method's name ("Crontab translation").
    @admin.display(description=gettext_lazy("Crontab in words"))
    def crontab_translation(self, obj):
        return obj.crontab.human_readable if obj.crontab_id else "—"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "task" in form.base_fields:
            form.base_fields["task"].label = gettext_lazy("Celery task (custom)")
        return form

    @admin.action(description=gettext_lazy("Run the selected tasks now"), permissions=["change"])
    def run_tasks(self, request, queryset):
        app = self.celery_app
        app.loader.import_default_modules()
        chosen = list(queryset.order_by("name"))
        unknown = [pt for pt in chosen if pt.task not in app.tasks]
        if unknown:
            self.message_user(request, _("Nothing was run: %(tasks)s is not a task of this installation.") % {
                "tasks": "、".join(f"{pt.name}（{pt.task}）" for pt in unknown)}, messages.ERROR)
            return
        embedded = embedded_broker(app)
        try:
            ensure_broker_folders(app)  # the sweeps queue their deliveries even when run here
            done, failed = self._run(request, chosen, embedded=embedded)
        except (KombuError, OSError) as exc:
            self.message_user(request, _(
                "The tasks could not be queued: the message broker is not reachable (%(error)s). Check "
                "CELERY_BROKER_URL and that the worker is running.") % {"error": exc}, messages.ERROR)
            return
        names = "、".join(pt.name for pt in done)
        if done and embedded:
            self.message_user(request, ngettext(
                "Ran %(count)d task now: %(names)s.", "Ran %(count)d tasks now: %(names)s.", len(done))
                % {"count": len(done), "names": names}, messages.SUCCESS)
        elif done:
            self.message_user(request, ngettext(
                "Queued %(count)d task for the worker: %(names)s. It runs within a minute if the worker is up.",
                "Queued %(count)d tasks for the worker: %(names)s. They run within a minute if the worker is up.",
                len(done)) % {"count": len(done), "names": names}, messages.SUCCESS)
        for pt, error in failed:
            self.message_user(request, _("%(name)s failed: %(error)s") % {"name": pt.name, "error": error},
                              messages.ERROR)

    def _run(self, request, chosen, *, embedded: bool):
        """Run (embedded broker) or queue each task; one audit row per task that ran or was queued."""
        done, failed = [], []
        for pt in chosen:
            task = self.celery_app.tasks[pt.task]
            args, kwargs = json.loads(pt.args or "[]"), json.loads(pt.kwargs or "{}")
            headers = {"periodic_task_name": pt.name}
            if embedded:
                result = task.apply(args=args, kwargs=kwargs, headers=headers, throw=False)
                if result.failed():
                    failed.append((pt, result.result))
                    audit.record(obj=pt, action="run_now_failed", actor=request.user, reason=str(result.result)[:500])
                    continue
                audit.record(obj=pt, action="run_now", actor=request.user, reason=_("ran in the web process"))
            else:
                # Published now, not after a commit: the supervisor is told whether it was queued,
                # and only a queued run is audited as one. Unqueued, the sweep runs on its schedule.
                unreachable = []
                enqueue(task, args, kwargs, after_commit=False, on_failure=unreachable.append,
                        queue=pt.queue or None, headers=headers)
                if unreachable:
                    raise unreachable[0]
                audit.record(obj=pt, action="run_now", actor=request.user, reason=_("queued for the worker"))
            done.append(pt)
        return done, failed

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            for name in ("enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks"):
                actions.pop(name, None)
        return actions


class PeriodicTaskInline(LabelledTabularInline, beat_admin.PeriodicTaskInline):
    """The tasks using a schedule, with the task column labelled in Chinese (read-only rows; labelled
    like every inline should it ever take input)."""

    fields = ("name", "celery_task", "args", "kwargs")
    readonly_fields = fields

    @admin.display(description=TASK_LABEL)
    def celery_task(self, obj):
        return obj.task


def describe_crontab(expression: str, options=None) -> str:
    """A cron expression in the user's language. django-celery-beat asks cron-descriptor for it in
    English ("At 08:00 AM") wherever it shows a schedule; cron-descriptor itself has Chinese."""
    options = options or Options()
    options.use_24hour_time_format = True
    if (translation.get_language() or "").startswith("zh"):
        options.locale_code = "zh_CN"
    return ExpressionDescriptor(expression, options).get_description()


# CrontabSchedule.human_readable (the schedule column, the crontab page, the task form's hint)
# calls the module's get_description: give it the localised one.
beat_models.get_description = describe_crontab


def _reregister(model, admin_class) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


_reregister(PeriodicTask, PeriodicTaskAdmin)
class CrontabScheduleForm(forms.ModelForm):
    """django-celery-beat's crontab fields, their refusals said in Chinese: its validators pass on
    celery's parser's English ("No enumeration for Minutes: '-1'") as the whole message."""

    CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")

    class Meta:
        model = CrontabSchedule
        fields = "__all__"

    def _post_clean(self):
        super()._post_clean()
        for name in self.CRON_FIELDS:
            if name in self._errors:
                detail = "; ".join(self._errors[name])
                self._errors[name] = self.error_class([_(
                    "This field of the schedule cannot be read (%(detail)s). Write a number, a range such as "
                    "1-5, a list such as 0,30, a step such as */15, or *.") % {"detail": detail}])


@admin.display(description=gettext_lazy("Schedule"))
def _crontab_in_words(model_admin, obj) -> str:
    """The crontab page's schedule in words. A schedule the form refused (a minute of -1) has none:
    celery's parser raised while the page showed the form again (a 500)."""
    try:
        return obj.human_readable
    except (ParseException, ValueError):
        return "—"


for _model, _base, _extra in ((ClockedSchedule, beat_admin.ClockedScheduleAdmin, {}),
                              (CrontabSchedule, beat_admin.CrontabScheduleAdmin,
                               {"human_readable": _crontab_in_words, "form": CrontabScheduleForm}),
                              (SolarSchedule, beat_admin.SolarScheduleAdmin, {}),
                              (IntervalSchedule, beat_admin.IntervalScheduleAdmin, {})):
    _reregister(_model, type(_base.__name__, (AuditedAdminMixin, _base),
                             {"inlines": [PeriodicTaskInline], "__module__": __name__, **_extra}))
