"""Review and decision of an accepted case (Arts. 42–45), handlers and first contact."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from approvals import rules
from approvals.models import ApprovalCase, CaseNotice, CaseSuspension
from approvals.services.common import (
    ACCEPTANCE_BEFORE_DECISION,
    DECISION_BEFORE_ISSUE,
    _act,
    _end_suspension,
    _issue_notice,
    _lock,
    _open_suspension,
    _suspension_rows,
    _use_seal,
    require_on_or_after,
)
from policyops import audit
from policyops.calendar import add_working_days
from policyops.errors import STALE_OBJECT, InvalidInput, NotAllowed, StaleObject
from policyops.history import recorded_by
from policyops.scoping import may_touch_district
from policyops.workflow import acting_on

DECISION = ("decision_reason", "approved_on")  # what approve and deny set besides the state


# --- review ---------------------------------------------------------------------------


def case_assign(*, cases, handler, acting_user):
    """Assign or reassign the handler (承办人) of one or many cases; every change is audited."""
    if not acting_user.has_perm("approvals.assign_case"):
        raise NotAllowed(_("You may not assign cases."))
    if handler.user is None or not handler.user.has_perm("approvals.process_case"):
        raise InvalidInput(_("%(person)s may not process approval cases."), field="handler", person=handler)
    changed = 0
    with transaction.atomic(), recorded_by(acting_user):
        for case in cases:
            if not may_touch_district(acting_user, case.district_id):
                raise NotAllowed(_("You may not assign cases of another district."))
            if handler.district_id not in (None, case.district_id):
                raise InvalidInput(_("%(person)s works in another district."), field="handler", person=handler)
            if not case.is_open:
                raise InvalidInput(_("%(case)s is closed; its handler cannot change."), field="cases", case=case)
            if case.handler_id == handler.pk:
                continue
            before = str(case.handler) if case.handler_id else "—"
            case.handler = handler
            try:
                case.save(update_fields=["handler"])
            except ConcurrentTransition as exc:
                raise StaleObject(STALE_OBJECT) from exc
            audit.record(obj=case, action="assign", actor=acting_user, reason=f"{before} → {handler}")
            changed += 1
    return changed


def case_take_first_contact(*, case, person, acting_user, hall, day):
    """A director on hall duty who received the case follows it to the end (首问责任制).

    Only for a case received at ``hall`` on ``day`` (the director's shift).
    """
    if case.received_hall_id != hall.pk or case.received_on != day:
        raise InvalidInput(_("%(case)s was not received at %(hall)s on %(day)s."), field="cases", case=case,
                           hall=hall, day=day)
    if case.first_contact_id == person.pk:
        return case
    if not case.is_open:
        raise InvalidInput(_("%(case)s is closed."), field="cases", case=case)
    with transaction.atomic(), recorded_by(acting_user):
        before = str(case.first_contact)
        case.first_contact = person
        try:
            case.save(update_fields=["first_contact"])
        except ConcurrentTransition as exc:
            raise StaleObject(STALE_OBJECT) from exc
        audit.record(obj=case, action="first_contact", actor=acting_user, reason=f"{before} → {person}")
    return case


def case_start_review(*, case, acting_user, as_of: dt.date):
    with transaction.atomic(durable=True), acting_on(as_of):
        _act(_lock(case), "start_review", acting_user=acting_user, as_of=as_of)
    return case


def case_pause(*, case, acting_user, as_of: dt.date, ground: str, expected_days: int, note: str = ""):
    """Art. 45: the clock stops; the applicant is told the expected length in writing."""
    if ground not in dict(rules.PauseGround.CHOICES):
        raise InvalidInput(_("Choose the legal ground of the pause."), field="ground")
    try:
        expected_days = int(expected_days)
    except (TypeError, ValueError):
        expected_days = 0
    if expected_days < 1:
        raise InvalidInput(_("Give the expected length in working days."), field="expected_days")
    with transaction.atomic(durable=True), acting_on(as_of):
        locked = _lock(case)
        suspensions = _suspension_rows(case)

        def open_suspension(obj):
            suspensions.append(CaseSuspension.objects.create(case=obj, start=as_of, ground=ground,
                                                             expected_days=expected_days, note=note))

        _act(locked, "pause", acting_user=acting_user, as_of=as_of, reason=ground, before_save=open_suspension,
             suspensions=suspensions)
        _issue_notice(case, CaseNotice.Kind.SUSPENSION, as_of=as_of, suspension=suspensions[-1],
                      expected_end=add_working_days(as_of, expected_days))
    return case


def case_resume(*, case, acting_user, as_of: dt.date):
    with transaction.atomic(durable=True), acting_on(as_of):
        locked = _lock(case)
        suspensions = _suspension_rows(case)
        suspension = _open_suspension(suspensions)
        if suspension and as_of < suspension.start:
            raise InvalidInput(_("The clock cannot resume before it was paused."), field="as_of")
        _act(locked, "resume", acting_user=acting_user, as_of=as_of,
             before_save=lambda obj: _end_suspension(suspension, as_of), suspensions=suspensions)
    return case


def case_extend(*, case, acting_user, as_of: dt.date, reason: str):
    """Art. 42: once, +10 working days, by the head of the authority, with the reason told."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the extension."), field="reason")
    with transaction.atomic(durable=True), acting_on(as_of):
        _act(_lock(case, inputs=("extended",)), "extend", acting_user=acting_user, as_of=as_of, reason=reason,
             before_save=lambda obj: setattr(obj, "extended", True))
        _issue_notice(case, CaseNotice.Kind.EXTENSION, as_of=as_of, reason=reason)
    return case


def case_approve(*, case, acting_user, as_of: dt.date, reason: str = ""):
    require_on_or_after(as_of, case.accepted_on, ACCEPTANCE_BEFORE_DECISION)
    with transaction.atomic(durable=True), acting_on(as_of):
        case.decision_reason = (reason or "").strip()
        case.approved_on = as_of
        _act(_lock(case, inputs=DECISION), "approve", acting_user=acting_user, as_of=as_of, reason=case.decision_reason)
        seal = _use_seal(case, "approve", as_of=as_of, acting_user=acting_user)
        _issue_notice(case, CaseNotice.Kind.APPROVAL, as_of=as_of, seal=seal)
    return case


def case_deny(*, case, acting_user, as_of: dt.date, reason: str):
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reasons for the denial."), field="reason")
    require_on_or_after(as_of, case.accepted_on, ACCEPTANCE_BEFORE_DECISION)
    with transaction.atomic(durable=True), acting_on(as_of):
        case.decision_reason = reason
        case.approved_on = as_of
        _act(_lock(case, inputs=DECISION), "deny", acting_user=acting_user, as_of=as_of, reason=reason)
        seal = _use_seal(case, "deny", as_of=as_of, acting_user=acting_user)
        _issue_notice(case, CaseNotice.Kind.DENIAL, as_of=as_of, seal=seal)
    return case


def case_issue_licence(*, case, acting_user, as_of: dt.date, licence_number: str):
    """Art. 44: issue and deliver within 10 working days of approval (late issue is shown overdue)."""
    licence_number = (licence_number or "").strip()
    if not licence_number:
        raise InvalidInput(_("Give the licence number."), field="licence_number")
    require_on_or_after(as_of, case.approved_on, DECISION_BEFORE_ISSUE)
    with transaction.atomic(durable=True), acting_on(as_of):
        case.licence_number = licence_number
        _act(_lock(case, inputs=("licence_number",)), "issue_licence", acting_user=acting_user, as_of=as_of,
             reason=licence_number)
        _use_seal(case, "issue_licence", as_of=as_of, acting_user=acting_user)
    return case


def case_forward(*, case, acting_user, as_of: dt.date, reason: str = ""):
    """Art. 43: a preliminary review is forwarded to the deciding authority within 20 working days."""
    require_on_or_after(as_of, case.accepted_on, ACCEPTANCE_BEFORE_DECISION)
    with transaction.atomic(durable=True), acting_on(as_of):
        _act(_lock(case), "forward", acting_user=acting_user, as_of=as_of, reason=reason)
        _use_seal(case, "forward", as_of=as_of, acting_user=acting_user)
    return case


def case_record_superior_decision(*, case, acting_user, as_of: dt.date, decision: str, document: str):
    if decision not in ApprovalCase.SuperiorDecision.values:
        raise InvalidInput(_("The decision must be “approved” or “denied”."), field="decision")
    document = (document or "").strip()
    if not document:
        raise InvalidInput(_("Give the deciding authority's document number."), field="document")
    with transaction.atomic(durable=True), acting_on(as_of):
        case.superior_decision, case.superior_document = decision, document
        _act(_lock(case, inputs=("superior_decision", "superior_document")), "record_superior_decision",
             acting_user=acting_user, as_of=as_of,
             reason=f"{ApprovalCase.SuperiorDecision(decision).label} {document}")
    return case


def case_withdraw(*, case, acting_user, as_of: dt.date, reason: str = ""):
    with transaction.atomic(durable=True), acting_on(as_of):
        locked = _lock(case)
        suspensions = _suspension_rows(case)
        _act(locked, "withdraw", acting_user=acting_user, as_of=as_of, reason=reason,
             before_save=lambda obj: _end_suspension(_open_suspension(suspensions), as_of),
             suspensions=suspensions)
    return case
