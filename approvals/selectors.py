"""Reads of the approvals app, with their joins right for list pages."""
import datetime as dt

from policyops.calendar import add_working_days

from approvals import rules
from approvals.models import ApprovalCase, ApprovalSeal, Entrustment


def seal_for(power, day: dt.date):
    """The seal that may stamp a decision on ``power`` on ``day``, or None.

    Only when an entrustment covering the power is in force that day and its seal is issued
    (decree 第264号, 002:31-35).
    """
    entrustments = Entrustment.objects.in_force_on(day).filter(powers=power)
    for seal in ApprovalSeal.objects.filter(entrustment__in=entrustments).order_by("-issued_on"):
        if seal.is_issued_on(day):
            return seal
    return None


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
    return qs.order_by("due_on", "-id")


def case_get(*, user, number: str):
    return (ApprovalCase.objects.visible_to(user)
            .select_related("power", "power__agency", "district", "handler", "first_contact", "received_hall")
            .prefetch_related("materials", "suspensions", "notices")
            .get(number=number))
