"""Who works a case and when they look at it again: claim, release, follow-up date.

Each locks the case row, checks against the locked copy (two clerks pressing 认领 at
once: one wins, the other is told), saves one field and writes the audit row, in one
transaction. None changes the state.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from approvals.models import ApprovalCase
from policyops import audit
from policyops.errors import InvalidInput, NotAllowed
from policyops.history import recorded_by
from policyops.scoping import may_touch_district, person_of

NOT_OPEN = _("%(case)s is closed; its handler cannot change.")


def _locked(case) -> ApprovalCase:
    """The case's row, locked until the transaction ends, as it is in the database now."""
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the handler.
    return ApprovalCase.objects.select_for_update(of=("self",)).select_related("handler").get(pk=case.pk)


def _save_handler(case, locked, handler, *, action, acting_user):
    before = str(locked.handler) if locked.handler_id else "—"
    locked.handler = handler
    locked.save(update_fields=["handler"])
    audit.record(obj=locked, action=action, actor=acting_user, reason=f"{before} → {handler or '—'}")
    case.handler = handler


def _claim_refusal(case, user) -> NotAllowed | None:
    """Who may claim: a clerk of the case's own district (the pages ask ``may_claim``)."""
    person = person_of(user)
    if not user.has_perm("approvals.process_case") or person is None:
        return NotAllowed(_("You may not take cases."))
    if person.district_id != case.district_id or not may_touch_district(user, case.district_id):
        return NotAllowed(_("%(case)s belongs to another district; only its own district's clerks take it."),
                          case=case)
    return None


def may_claim(case, user) -> bool:
    return case.is_open and case.handler_id is None and _claim_refusal(case, user) is None


def may_release(case, user) -> bool:
    person = person_of(user)
    return case.is_open and person is not None and case.handler_id == person.pk


def may_set_follow_up(case, user) -> bool:
    return (case.is_open and (user.has_perm("approvals.process_case") or user.has_perm("approvals.assign_case"))
            and may_touch_district(user, case.district_id))


def case_claim(*, case, acting_user) -> ApprovalCase:
    """A clerk takes an unassigned open case of their own district as its handler (承办人)."""
    person = person_of(acting_user)
    refusal = _claim_refusal(case, acting_user)
    if refusal is not None:
        raise refusal
    with transaction.atomic(), recorded_by(acting_user):
        locked = _locked(case)
        if not locked.is_open:
            raise InvalidInput(NOT_OPEN, field="case", case=case)
        if locked.handler_id == person.pk:
            case.handler = person
            return case
        if locked.handler_id is not None:
            raise InvalidInput(_("%(case)s is already handled by %(person)s."), field="case", case=case,
                               person=locked.handler)
        _save_handler(case, locked, person, action="claim", acting_user=acting_user)
    return case


def case_release(*, case, acting_user) -> ApprovalCase:
    """The handler gives their own case back: it is unassigned again, for a colleague or the head."""
    person = person_of(acting_user)
    with transaction.atomic(), recorded_by(acting_user):
        locked = _locked(case)
        if person is None or locked.handler_id != person.pk:
            raise NotAllowed(_("Only the case's own handler may give it back."))
        if not locked.is_open:
            raise InvalidInput(NOT_OPEN, field="case", case=case)
        _save_handler(case, locked, None, action="release", acting_user=acting_user)
    return case


def case_set_follow_up(*, case, acting_user, follow_up_on: dt.date | None, as_of: dt.date) -> ApprovalCase:
    """Set (or clear, with None) the day to look at the case again; never before ``as_of``."""
    if not (acting_user.has_perm("approvals.process_case") or acting_user.has_perm("approvals.assign_case")) \
            or not may_touch_district(acting_user, case.district_id):
        raise NotAllowed(_("You may not set the follow-up date of this case."))
    if follow_up_on is not None and follow_up_on < as_of:
        raise InvalidInput(_("The follow-up date cannot be before today (%(date)s)."), field="follow_up_on",
                           date=as_of)
    with transaction.atomic(), recorded_by(acting_user):
        locked = _locked(case)
        if not locked.is_open:
            raise InvalidInput(_("%(case)s is closed; it needs no follow-up."), field="follow_up_on", case=case)
        if locked.follow_up_on == follow_up_on:
            case.follow_up_on = follow_up_on
            return case
        before = locked.follow_up_on.isoformat() if locked.follow_up_on else "—"
        locked.follow_up_on = follow_up_on
        locked.save(update_fields=["follow_up_on"])
        audit.record(obj=locked, action="set_follow_up", actor=acting_user,
                     reason=f"{before} → {follow_up_on.isoformat() if follow_up_on else '—'}")
        case.follow_up_on = follow_up_on
    return case
