import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from policyops.importing import NO_COLUMN
from policyops.metrics import timed_sweep
from policyops.tasks import after_sweep
from programs.roads import import_store, project_lists, reminders

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def sweep_milestones():
    with transaction.atomic():
        return after_sweep(reminders.sweep_milestones(today=timezone.localdate(), now=timezone.now()))


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def sweep_phase_risk():
    with transaction.atomic():
        return after_sweep(reminders.sweep_phase_risk(today=timezone.localdate(), now=timezone.now()))


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def purge_waiting_lists():
    """Remove the previewed project lists past their expiry, and their progress (import_store)."""
    return import_store.purge(timezone.now())


@shared_task(acks_late=True, ignore_result=True)
def import_project_list(token: str, user_id: int, language: str = ""):
    """Save a confirmed project list (claimed by project_lists.claim_for_background), recording
    its progress for the page that shows it. Run again (a worker lost mid-way), it finds the
    list gone and the progress final: nothing is saved twice."""
    progress = import_store.progress(token) or {}
    if progress.get("state") not in ("queued", "running"):
        return
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()

    def record(**changes):
        progress.update(changes)
        import_store.write_progress(token, progress)

    with translation.override(language or settings.LANGUAGE_CODE):
        if user is None:
            record(state="failed", problems=[[None, NO_COLUMN, str(project_lists.expired_problem().reason)]])
            return
        record(state="running")
        try:
            report = project_lists.save_claimed(token, user=user, now=timezone.now(),
                                                on_progress=lambda done, total: record(done=done, total=total))
        except Exception:
            logger.exception("Project list import %s failed", token)
            record(state="failed",
                   problems=[[None, NO_COLUMN, translation.gettext("This import could not be saved.")]])
            raise
        record(state="done" if report.saved else "refused", totals=report.totals,
               problems=[[p.line, p.column, str(p.reason)] for p in report.problems])
