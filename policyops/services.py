"""Use cases of the policy ledgers and the calendar. One function per use case."""
from __future__ import annotations

import csv
import datetime as dt
import io

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policyops import audit, calendar
from policyops.errors import InvalidInput
from policyops.models import CalendarOverride, OfficialCalendarYear, PolicyTask
from policyops.transitions import run_transition

POLICY_TASK_CONDITIONS = {
    "_has_progress_report": gettext_lazy("write a progress report first"),
    "_has_return_reason": gettext_lazy("give the reason for returning the task"),
}


def policy_task_start(*, task: PolicyTask, acting_user) -> PolicyTask:
    return run_transition(task, "start", acting_user=acting_user)


def policy_task_resume(*, task: PolicyTask, acting_user) -> PolicyTask:
    return run_transition(task, "resume", acting_user=acting_user)


def policy_task_submit(*, task: PolicyTask, acting_user, progress_report: str) -> PolicyTask:
    task.progress_report = (progress_report or "").strip()
    return run_transition(task, "submit", acting_user=acting_user, reason=task.progress_report,
                          condition_messages=POLICY_TASK_CONDITIONS)


def policy_task_accept(*, task: PolicyTask, acting_user) -> PolicyTask:
    return run_transition(task, "accept", acting_user=acting_user)


def policy_task_return(*, task: PolicyTask, acting_user, reason: str) -> PolicyTask:
    task.return_reason = (reason or "").strip()
    return run_transition(task, "return_for_rework", acting_user=acting_user, reason=task.return_reason,
                          condition_messages=POLICY_TASK_CONDITIONS)


# --- Calendar ------------------------------------------------------------------------

OFFICIAL_CALENDAR_COLUMNS = ("date", "type", "name")
HOLIDAY_TYPES = {"休": False, "holiday": False, "班": True, "workday": True}


def parse_official_calendar(data: bytes | str, *, year: int) -> list[tuple[dt.date, bool, str]]:
    """Parse a year's official calendar file: CSV ``date,type,name``.

    ``type`` is 休 (holiday) or 班 (adjusted working day), as the State Council's notice
    lists them. Every error is collected with its line; nothing is returned half-parsed.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(gettext_lazy("The file is not UTF-8 text.")) from None
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if header[:3] != list(OFFICIAL_CALENDAR_COLUMNS):
        raise InvalidInput(gettext_lazy("Line 1: the header must be %(expected)s, found %(found)s."),
                           expected=",".join(OFFICIAL_CALENDAR_COLUMNS), found=",".join(header) or "—")
    rows, errors, seen = [], [], set()
    for line_no, row in enumerate(reader, start=2):
        raw_date = (row.get("date") or "").strip()
        raw_type = (row.get("type") or "").strip()
        try:
            day = dt.date.fromisoformat(raw_date)
        except ValueError:
            errors.append(_("Line %(line)s, column date: “%(value)s” is not a date (YYYY-MM-DD).")
                          % {"line": line_no, "value": raw_date})
            continue
        if day.year != year:
            errors.append(_("Line %(line)s, column date: %(value)s is not in %(year)s.")
                          % {"line": line_no, "value": raw_date, "year": year})
        if raw_type not in HOLIDAY_TYPES:
            errors.append(_("Line %(line)s, column type: “%(value)s” must be 休 or 班.")
                          % {"line": line_no, "value": raw_type})
        if day in seen:
            errors.append(_("Line %(line)s, column date: %(value)s appears twice.")
                          % {"line": line_no, "value": raw_date})
        seen.add(day)
        if raw_type in HOLIDAY_TYPES:
            rows.append((day, HOLIDAY_TYPES[raw_type], (row.get("name") or "").strip()[:50]))
    if errors:
        raise InvalidInput("\n".join(errors))
    if not rows:
        raise InvalidInput(gettext_lazy("The file lists no dates."))
    return rows


def calendar_import_official_year(*, year: int, rows, notice: str = "", acting_user=None) -> OfficialCalendarYear:
    """Replace ``year``'s official dates with ``rows`` and recompute what depends on them."""
    with transaction.atomic():
        before = dict(CalendarOverride.objects.filter(date__year=year, official=True)
                      .values_list("date", "is_working_day"))
        CalendarOverride.objects.filter(date__year=year, official=True).delete()
        for day, working, name in rows:
            CalendarOverride.objects.update_or_create(
                date=day, defaults={"is_working_day": working, "name": name, "official": True, "note": notice},
            )
        marker, _created = OfficialCalendarYear.objects.update_or_create(
            year=year, defaults={"notice": notice, "imported_by": acting_user})
        audit.record(obj=marker, action="import_official_calendar", actor=acting_user,
                     reason=_("%(count)s dates") % {"count": len(rows)})
        after = {day: working for day, working, _name in rows}
        changed = {d for d in before.keys() | after.keys() if before.get(d) != after.get(d)}
        calendar_changed_commit(changed or {dt.date(year, 1, 1)})
    return marker


def calendar_changed_commit(dates) -> None:
    """Tell the apps that hold calendar-derived deadlines to recompute them, now.

    Called inside the transaction that changed the calendar, so a deadline is never left
    stale beside the new calendar.
    """
    calendar.clear_cache()
    calendar.calendar_changed.send(sender=CalendarOverride, dates=frozenset(dates))
    # A rollback must not leave the rolled-back dates in this process's cache.
    transaction.on_commit(calendar.clear_cache)
