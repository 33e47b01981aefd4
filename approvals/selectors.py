"""Reads of the approvals app, with their joins right for list pages."""
import datetime as dt

from django.db.models import F

from policyops.calendar import add_working_days

from approvals import rules
from approvals.models import ApprovalCase


def seal_for(power, day: dt.date, district_id):
    """The seal that may stamp a decision on ``power`` on ``day`` in ``district_id``, or None."""
    return power.seal_on(day, district_id)


def case_list(*, user, state=None, due=None, today: dt.date | None = None):
    qs = (ApprovalCase.objects.visible_to(user)
          .select_related("power", "power__agency", "district", "handler", "first_contact", "received_hall"))
    if state:
        qs = qs.filter(state=state)
    if due and today:
        if due == "overdue":
            qs = qs.overdue(today)
        elif due == "soon":
            qs = qs.due_soon(today, add_working_days(today, rules.DUE_SOON_DAYS))
    # Running deadlines first, the nearest on top; cases with nothing due after them.
    return qs.order_by(F("due_on").asc(nulls_last=True), "-id")


def case_get(*, user, number: str):
    return (ApprovalCase.objects.visible_to(user)
            .select_related("power", "power__agency", "district", "handler", "first_contact", "received_hall")
            .prefetch_related("materials", "suspensions", "notices")
            .get(number=number))


class DueState:
    OVERDUE = "overdue"
    SOON = "soon"
    ON_TIME = "on_time"
    STOPPED = "stopped"  # open, but no running deadline: paused or waiting for the applicant
    CLOSED = "closed"  # decided, refused or withdrawn: nothing is due any more


def case_due_state(case, today: dt.date) -> str:
    """Overdue / due soon (<= 3 working days left) / on time / stopped / closed, as of ``today``."""
    from policyops.calendar import working_days_between

    if not case.is_open:
        return DueState.CLOSED
    if case.due_on is None:
        return DueState.STOPPED
    if case.due_on < today:
        return DueState.OVERDUE
    if working_days_between(today, case.due_on) <= rules.DUE_SOON_DAYS:
        return DueState.SOON
    return DueState.ON_TIME


def case_clock_summary(case, today: dt.date) -> dict:
    """What every page shows of the clock: due dates, days paused, days left, due state.

    Uses the case's prefetched suspensions when present (no extra query per row).
    """
    from approvals.clock import Suspension, working_days_paused
    from policyops.calendar import is_provisional, working_days_between

    suspensions = [Suspension(s.start, s.end) for s in case.suspensions.all()]
    return {
        "received_on": case.received_on,
        "accepted_on": case.accepted_on,
        "correction_due_on": case.correction_due_on,
        "legal_due_on": case.legal_due_on,
        "promised_due_on": case.promised_due_on,
        "licence_due_on": case.licence_due_on,
        "due_on": case.due_on,
        "days_paused": working_days_paused(today, suspensions),
        "days_left": working_days_between(today, case.due_on) if case.due_on else None,
        "due_state": case_due_state(case, today),
        # The governing or legal due date lies in a year without an official calendar.
        "provisional": any(d and is_provisional(d) for d in (case.due_on, case.legal_due_on)),
    }
