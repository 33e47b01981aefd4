"""Use cases of the policy ledgers and the calendar. One function per use case.

Policy-task steps run through the workflow kernel (``policyops.workflow.run_transition``)
and are declared for the admin, the API and bulk actions in ``policyops.actions``. ``as_of``
is the date a step is taken on (the kernel hands it to the conditions); never the wall clock.

Every write of calendar overrides ends in ``calendar_overrides_changed`` (the one hook:
clear the cache, tell the deadline holders which dates changed), inside the writing
transaction.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from policyops import audit, calendar, importing, workflow
from policyops.errors import InvalidInput
from policyops.history import recorded_by
from policyops.models import CalendarOverride, OfficialCalendarYear, PolicyTask

# --- Policy tasks ----------------------------------------------------------------------


def policy_task_start(*, task: PolicyTask, acting_user, as_of: dt.date) -> PolicyTask:
    """Start work on an assigned task (staff of its lead unit)."""
    with transaction.atomic():
        return workflow.run_transition(task, "start", acting_user=acting_user, as_of=as_of)


def policy_task_submit(*, task: PolicyTask, acting_user, as_of: dt.date, progress_report: str) -> PolicyTask:
    """Submit the task for review with its progress report (staff of its lead unit)."""
    task.progress_report = (progress_report or "").strip()
    with transaction.atomic():
        return workflow.run_transition(task, "submit", acting_user=acting_user, as_of=as_of,
                                       reason=task.progress_report)


def policy_task_accept(*, task: PolicyTask, acting_user, as_of: dt.date) -> PolicyTask:
    """Accept a submitted task (supervisors)."""
    with transaction.atomic():
        return workflow.run_transition(task, "accept", acting_user=acting_user, as_of=as_of)


def policy_task_return(*, task: PolicyTask, acting_user, as_of: dt.date, reason: str) -> PolicyTask:
    """Return a submitted task for rework, with the reason (supervisors)."""
    task.return_reason = (reason or "").strip()
    with transaction.atomic():
        return workflow.run_transition(task, "return_for_rework", acting_user=acting_user, as_of=as_of,
                                       reason=task.return_reason)


def policy_task_resume(*, task: PolicyTask, acting_user, as_of: dt.date) -> PolicyTask:
    """Take a returned task up again (staff of its lead unit)."""
    with transaction.atomic():
        return workflow.run_transition(task, "resume", acting_user=acting_user, as_of=as_of)


# --- Calendar ------------------------------------------------------------------------


# The one hook after any write of calendar overrides (policyops.calendar.overrides_changed).
calendar_overrides_changed = calendar.overrides_changed


# The name this hook had before every write went through it.


def calendar_override_save(*, override: CalendarOverride, previous_date: dt.date | None = None) -> CalendarOverride:
    """Save one override (the admin's single-date form); ``previous_date`` if its date was changed."""
    with transaction.atomic():
        override.save()
        calendar_overrides_changed({override.date, previous_date})
    return override


def calendar_overrides_delete(*, overrides) -> int:
    """Delete overrides (a queryset or a list) and recompute what their dates moved."""
    with transaction.atomic():
        items = list(overrides)
        for override in items:
            override.delete()
        calendar_overrides_changed({o.date for o in items})
    return len(items)


OFFICIAL_CALENDAR_COLUMNS = ("date", "type", "name")
# An official calendar lists a year's holidays and adjusted days: a few dozen rows.
OFFICIAL_CALENDAR_MAX_ROWS = 366
OFFICIAL_CALENDAR_MAX_BYTES = 256 * 1024


def _official_resource(year: int, notice: str = ""):
    from policyops.resources import OfficialCalendarResource

    return OfficialCalendarResource(year=year, notice=notice)


def _raise_problems(report: importing.ImportReport):
    raise InvalidInput("\n".join(str(p) for p in report.problems))


def parse_official_calendar(data, *, year: int) -> list[tuple[dt.date, bool, str]]:
    """Read and check a year's official calendar file (CSV or XLSX ``date,type,name``).

    ``type`` is 休 (holiday) or 班 (adjusted working day), as the State Council's notice
    lists them. The file goes through the import pipeline as a dry run: every error is
    raised at once (InvalidInput, one "line, column: reason" per line); nothing is written.
    """
    report = importing.import_table(_official_resource(year), data, dry_run=True,
                                    max_rows=OFFICIAL_CALENDAR_MAX_ROWS, max_bytes=OFFICIAL_CALENDAR_MAX_BYTES)
    if not report.ok:
        _raise_problems(report)
    rows = [(r.instance.date, r.instance.is_working_day, r.instance.name) for r in report.rows()]
    if not rows:
        raise InvalidInput(_("The file lists no dates."))
    return rows


def _official_table(rows) -> importing.Table:
    return importing.Table(headers=list(OFFICIAL_CALENDAR_COLUMNS), rows=[
        (line, [day.isoformat(), "班" if working else "休", name or ""])
        for line, (day, working, name) in enumerate(rows, start=2)])


def calendar_import_official_file(*, year: int, file, filename: str = "", notice: str = "",
                                  acting_user=None) -> importing.ImportReport:
    """Import a year's official calendar from a file (CSV or XLSX ``date,type,name``).

    Replaces the year's official dates, marks the year as entered, writes the audit row
    and recomputes the deadlines the changed dates move — all in one transaction, or
    nothing when the report has problems.
    """
    return _import_official_year(year=year, source=file, filename=filename, notice=notice, acting_user=acting_user)


def calendar_import_official_year(*, year: int, rows, notice: str = "", acting_user=None) -> OfficialCalendarYear:
    """Replace ``year``'s official dates with ``rows`` ((date, is_working_day, name), e.g.
    from ``parse_official_calendar``) and recompute what depends on them."""
    report = _import_official_year(year=year, source=_official_table(rows), filename="", notice=notice,
                                   acting_user=acting_user)
    if not report.ok:
        _raise_problems(report)
    return OfficialCalendarYear.objects.get(year=year)


def _import_official_year(*, year, source, filename, notice, acting_user) -> importing.ImportReport:
    with transaction.atomic(), recorded_by(acting_user):
        before = dict(CalendarOverride.objects.filter(date__year=year, official=True)
                      .values_list("date", "is_working_day"))
        CalendarOverride.objects.filter(date__year=year, official=True).delete()
        report = importing.import_table(_official_resource(year, notice), source, filename=filename, dry_run=False,
                                        user=acting_user, max_rows=OFFICIAL_CALENDAR_MAX_ROWS,
                                        max_bytes=OFFICIAL_CALENDAR_MAX_BYTES)
        if report.ok and not report.rows():
            report.problems = [importing.ImportProblem(None, importing.NO_COLUMN, _("The file lists no dates."))]
        if not report.ok:
            transaction.set_rollback(True)
            return report
        after = {r.instance.date: r.instance.is_working_day for r in report.rows()}
        marker, _created = OfficialCalendarYear.objects.update_or_create(
            year=year, defaults={"notice": notice, "imported_by": acting_user})
        audit.record(obj=marker, action="import_official_calendar", actor=acting_user,
                     reason=_("%(count)s dates") % {"count": len(after)})
        changed = {d for d in before.keys() | after.keys() if before.get(d) != after.get(d)}
        # The year's "official" mark changes how it counts even when no date changed.
        report.moved = calendar_overrides_changed(changed or {dt.date(year, 1, 1)})
    return report
