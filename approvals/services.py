"""Use cases of delegated approvals. One function per use case.

Each wraps one transition with its side effects — the clock recomputed, a numbered
notice, the seal use logged, the audit row — in one database transaction. ``as_of`` is
the date the clerk acts on (injected; callers pass today's date).
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_fsm import ConcurrentTransition
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from approvals import clock, guards, rules, selectors
from approvals.models import ApprovalCase, CaseMaterial, CaseNotice, CaseSuspension, Entrustment, SealUse
from policyops import audit
from policyops.calendar import add_working_days
from policyops.models import Department
from policyops.errors import STALE_OBJECT, InvalidInput, NotAllowed, StaleObject
from policyops.numbering import next_number
from policyops.scoping import may_touch_district
from policyops.workflow import acting_on, condition_message, run_transition

CASE_NUMBER_PREFIX = "PD"  # 平度: the only district the 49 powers are entrusted to

NOTICE_PREFIX = {
    CaseNotice.Kind.ACCEPTANCE: "平审受",
    CaseNotice.Kind.REFUSAL: "平审不受",
    CaseNotice.Kind.CORRECTION: "平审补",
    CaseNotice.Kind.SUSPENSION: "平审特",
    CaseNotice.Kind.EXTENSION: "平审延",
    CaseNotice.Kind.APPROVAL: "平审准",
    CaseNotice.Kind.DENIAL: "平审不准",
}


# --- clock -------------------------------------------------------------------------


def _suspensions(case) -> list[clock.Suspension]:
    # Read from the database, never a prefetch cache a caller may hold from before a pause.
    return [clock.Suspension(s.start, s.end) for s in CaseSuspension.objects.filter(case=case).order_by("start")]


def case_recompute_clock(case: ApprovalCase, suspensions: list[clock.Suspension] | None = None) -> ApprovalCase:
    """Set every stored due date of ``case`` from its start day, budget and suspensions."""
    if suspensions is None:
        suspensions = _suspensions(case) if case.pk else []
    power = case.power
    case.correction_due_on = add_working_days(case.received_on, rules.CORRECTION_NOTICE_DAYS)
    case.legal_due_on = case.promised_due_on = case.licence_due_on = None
    if case.accepted_on:
        legal_budget = rules.legal_budget_days(power.legal_limit_days, preliminary_review=power.is_preliminary_review,
                                               extended=case.extended)
        case.legal_due_on = clock.due_date(case.accepted_on, legal_budget, suspensions)
        if power.promised_limit_days:
            case.promised_due_on = clock.due_date(case.accepted_on, power.promised_limit_days, suspensions)
    if case.approved_on and case.state == ApprovalCase.State.APPROVED:
        case.licence_due_on = add_working_days(case.approved_on, rules.LICENCE_ISSUE_DAYS)
    S = ApprovalCase.State
    case.due_on = {
        S.SUBMITTED: case.correction_due_on,
        S.ACCEPTED: case.promised_due_on or case.legal_due_on,
        S.UNDER_REVIEW: case.promised_due_on or case.legal_due_on,
        S.APPROVED: case.licence_due_on,
    }.get(case.state)
    return case


CLOCK_FIELDS = ["correction_due_on", "legal_due_on", "promised_due_on", "licence_due_on", "due_on"]


def _end_suspension(suspension, as_of):
    if suspension is not None:
        suspension.end = as_of
        suspension.save(update_fields=["end"])


def cases_recompute_after_calendar_change(dates) -> int:
    """Recompute the clocks of the open cases a calendar change can move; returns how many moved.

    A case received after the last changed date cannot be affected; every other open
    case is recomputed (open cases are a small share of all cases).
    """
    if not dates:
        return 0
    cases = (ApprovalCase.objects.open().filter(received_on__lte=max(dates))
             .select_related("power").prefetch_related("suspensions").order_by("pk"))
    changed = []
    for case in cases.iterator(chunk_size=500):
        before = tuple(getattr(case, f) for f in CLOCK_FIELDS)
        case_recompute_clock(case, [clock.Suspension(s.start, s.end) for s in case.suspensions.all()])
        if tuple(getattr(case, f) for f in CLOCK_FIELDS) != before:
            changed.append(case)
    ApprovalCase.objects.bulk_update(changed, CLOCK_FIELDS, batch_size=500)
    return len(changed)


# --- notices and seals --------------------------------------------------------------


def _issue_notice(case, kind, *, as_of: dt.date, seal=None, **context) -> CaseNotice:
    year = as_of.year
    number = f"{NOTICE_PREFIX[kind]}〔{year}〕{next_number(f'notice-{kind}', year):06d}号"
    body = render_to_string(f"approvals/notices/{kind}.txt", {
        "case": case, "as_of": as_of, "rules": rules, "remedies": rules.REMEDIES_TEXT, **context})
    return CaseNotice.objects.create(case=case, kind=kind, number=number, issued_on=as_of, body=body.strip(),
                                     seal=seal)


def _use_seal(case, action: str, *, as_of, acting_user):
    seal = selectors.seal_for(case.power, as_of, case.district_id)
    # The transition's condition already checked this; a seal recovered in between fails here.
    if seal is None:
        raise NotAllowed(condition_message(guards.entrusted_with_seal))
    SealUse.objects.create(seal=seal, case=case, action=action, used_on=as_of, used_by=acting_user)
    return seal


def _lock_fresh(case):
    """Lock the case row for this transaction and refuse a copy that is out of date.

    ConcurrentTransitionMixin only compares the state; ``extend`` keeps the state, and a
    stale copy would also undo a concurrent reassignment, so compare those too.
    """
    fresh = ApprovalCase.objects.select_for_update().filter(pk=case.pk).values(
        "state", "extended", "handler_id", "first_contact_id").first()
    if fresh is None or fresh["state"] != case.state or fresh["extended"] != case.extended:
        raise StaleObject(STALE_OBJECT)
    # Changed by their own services meanwhile; the transition must not write old values back.
    case.handler_id, case.first_contact_id = fresh["handler_id"], fresh["first_contact_id"]


def _act(case, action, *, acting_user, as_of, reason="", before_save=None):
    """Lock the row, run the transition and save the case once: state, inputs and clock."""
    _lock_fresh(case)

    def derive(obj):
        if before_save is not None:
            before_save(obj)
        case_recompute_clock(obj)

    run_transition(case, action, acting_user=acting_user, as_of=as_of, reason=reason, before_save=derive)


# --- registration -------------------------------------------------------------------


def case_register(*, power, applicant_name: str, applicant_type: str, applicant_phone: str, received_hall,
                  first_contact, received_on: dt.date, materials, acting_user, school_type: str = "",
                  hospital_grade: str = "", inside_pingdu: bool = True) -> ApprovalCase:
    """Register an application received at a hall. ``materials``: (name, provided) pairs."""
    if not acting_user.has_perm("approvals.process_case") or not may_touch_district(acting_user,
                                                                                    received_hall.district_id):
        raise NotAllowed(_("You may not register cases for this hall."))
    if received_hall.district_id is None or not Department.objects.filter(
            district_id=received_hall.district_id, kind=Department.Kind.APPROVAL_AUTHORITY).exists():
        # Only the entrusted authority's district exercises the delegated powers (002:29).
        raise InvalidInput(_("The delegated powers are exercised only by the entrusted approval authority's "
                             "halls."), field="received_hall")
    if received_on < rules.DECREE_IN_FORCE:
        raise InvalidInput(_("The delegation is in force from %(date)s; an earlier receipt date is not possible."),
                           field="received_on", date=rules.DECREE_IN_FORCE)
    applicant_name, applicant_phone = applicant_name.strip(), applicant_phone.strip()
    if not applicant_name:
        raise InvalidInput(_("The applicant's name is required."), field="applicant_name")
    digits = "".join(ch for ch in applicant_phone if ch.isdigit())
    if len(digits) < 7:
        raise InvalidInput(_("Give a contact phone number with at least 7 digits."), field="applicant_phone")
    materials = [(str(name).strip(), bool(provided)) for name, provided in materials]
    if not materials or any(not name for name, _p in materials):
        raise InvalidInput(_("List the materials received (at least one, none without a name)."), field="materials")
    with transaction.atomic():
        number = f"{CASE_NUMBER_PREFIX}-{received_on.year}-{next_number('case', received_on.year):06d}"
        case = ApprovalCase(number=number, power=power, district_id=received_hall.district_id,
                            applicant_name=applicant_name, applicant_type=applicant_type,
                            applicant_phone=applicant_phone, received_hall=received_hall,
                            first_contact=first_contact, received_on=received_on, school_type=school_type,
                            hospital_grade=hospital_grade, inside_pingdu=inside_pingdu)
        case_recompute_clock(case)
        case.full_clean()
        case.save()
        CaseMaterial.objects.bulk_create([CaseMaterial(case=case, name=n, provided=p) for n, p in materials])
        audit.record(obj=case, action="register", actor=acting_user, to_state=case.state)
    return case


def case_scope_problems(case) -> list[str]:
    return [str(p) for p in rules.scope_violations(case.power.scope_rule, school_type=case.school_type,
                                                   hospital_grade=case.hospital_grade,
                                                   inside_pingdu=case.inside_pingdu)]


def case_refusal_suggestion(case) -> dict | None:
    """When the scope rule fails: the reason and where to apply instead, ready for ``case_refuse``."""
    problems = case_scope_problems(case)
    if not problems:
        return None
    return {"reason": "；".join(problems),
            "refer_to": str(_("%(agency)s (the city agency that owns this power)") % {"agency": case.power.agency})}


# --- intake ---------------------------------------------------------------------------


def case_request_correction(*, case, acting_user, as_of: dt.date, missing: list[str] | None = None):
    """One-time notice listing every missing item (Art. 32(4))."""
    with transaction.atomic(durable=True), acting_on(as_of):
        if missing:
            names = {m.name: m for m in case.materials.all()}
            unknown = [n for n in missing if n not in names]
            if unknown:
                raise InvalidInput(_("Unknown materials: %(names)s"), field="missing", names="、".join(unknown))
            for name in missing:
                names[name].provided = False
                names[name].save(update_fields=["provided"])
        _act(case, "request_correction", acting_user=acting_user, as_of=as_of)
        items = [m.name for m in case.materials.all() if not m.provided]
        _issue_notice(case, CaseNotice.Kind.CORRECTION, as_of=as_of, missing=items)
    return case


def case_resubmit(*, case, acting_user, as_of: dt.date, provided: list[str] | None = None):
    with transaction.atomic(durable=True), acting_on(as_of):
        materials = list(case.materials.all())
        wanted = set(provided) if provided is not None else {m.name for m in materials}
        for m in materials:
            if m.name in wanted and not m.provided:
                m.provided = True
                m.save(update_fields=["provided"])
        _act(case, "resubmit", acting_user=acting_user, as_of=as_of)
    return case


def case_accept(*, case, acting_user, as_of: dt.date):
    """受理. Past the 5-day correction window the case counts as accepted on its receipt date."""
    with transaction.atomic(durable=True), acting_on(as_of):
        deemed = (case.state == ApprovalCase.State.SUBMITTED
                  and as_of > add_working_days(case.received_on, rules.CORRECTION_NOTICE_DAYS))
        case.accepted_on = case.received_on if deemed else as_of
        case.deemed_accepted = deemed
        _act(case, "accept", acting_user=acting_user, as_of=as_of)
        seal = _use_seal(case, "accept", as_of=as_of, acting_user=acting_user)
        _issue_notice(case, CaseNotice.Kind.ACCEPTANCE, as_of=as_of, seal=seal)
    return case


def case_refuse(*, case, acting_user, as_of: dt.date, reason: str = "", refer_to: str = ""):
    """不予受理 with the reason and where to apply instead (Art. 32)."""
    suggestion = case_refusal_suggestion(case) or {}
    case.refusal_reason = (reason or suggestion.get("reason", "")).strip()
    case.refer_to = (refer_to or suggestion.get("refer_to", "")).strip()
    if not case.refusal_reason:
        raise InvalidInput(_("Give the reason for not accepting the application."), field="reason")
    if not case.refer_to:
        raise InvalidInput(_("Say where the applicant should apply instead."), field="refer_to")
    with transaction.atomic(durable=True), acting_on(as_of):
        _act(case, "refuse", acting_user=acting_user, as_of=as_of, reason=case.refusal_reason)
        # A refusal is possible without a seal in force (the applicant must still be told);
        # when the seal is in force, its use is logged like any decision's.
        seal = selectors.seal_for(case.power, as_of, case.district_id)
        if seal is not None:
            SealUse.objects.create(seal=seal, case=case, action="refuse", used_on=as_of, used_by=acting_user)
        _issue_notice(case, CaseNotice.Kind.REFUSAL, as_of=as_of, seal=seal)
    return case


# --- review ---------------------------------------------------------------------------


def case_assign(*, cases, handler, acting_user):
    """Assign or reassign the handler (承办人) of one or many cases; every change is audited."""
    if not acting_user.has_perm("approvals.assign_case"):
        raise NotAllowed(_("You may not assign cases."))
    if handler.user is None or not handler.user.has_perm("approvals.process_case"):
        raise InvalidInput(_("%(person)s may not process approval cases."), field="handler", person=handler)
    changed = 0
    with transaction.atomic():
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
    with transaction.atomic():
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
        _act(case, "start_review", acting_user=acting_user, as_of=as_of)
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
        suspensions = []

        def open_suspension(obj):
            suspensions.append(CaseSuspension.objects.create(case=obj, start=as_of, ground=ground,
                                                             expected_days=expected_days, note=note))

        _act(case, "pause", acting_user=acting_user, as_of=as_of, reason=ground, before_save=open_suspension)
        _issue_notice(case, CaseNotice.Kind.SUSPENSION, as_of=as_of, suspension=suspensions[0],
                      expected_end=add_working_days(as_of, expected_days))
    return case


def case_resume(*, case, acting_user, as_of: dt.date):
    with transaction.atomic(durable=True), acting_on(as_of):
        suspension = case.suspensions.filter(end__isnull=True).first()
        if suspension and as_of < suspension.start:
            raise InvalidInput(_("The clock cannot resume before it was paused."), field="as_of")
        _act(case, "resume", acting_user=acting_user, as_of=as_of,
             before_save=lambda obj: _end_suspension(suspension, as_of))
    return case


def case_extend(*, case, acting_user, as_of: dt.date, reason: str):
    """Art. 42: once, +10 working days, by the head of the authority, with the reason told."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the extension."), field="reason")
    with transaction.atomic(durable=True), acting_on(as_of):
        _act(case, "extend", acting_user=acting_user, as_of=as_of, reason=reason,
             before_save=lambda obj: setattr(obj, "extended", True))
        _issue_notice(case, CaseNotice.Kind.EXTENSION, as_of=as_of, reason=reason)
    return case


def case_approve(*, case, acting_user, as_of: dt.date, reason: str = ""):
    with transaction.atomic(durable=True), acting_on(as_of):
        case.decision_reason = (reason or "").strip()
        case.approved_on = as_of
        _act(case, "approve", acting_user=acting_user, as_of=as_of, reason=case.decision_reason)
        seal = _use_seal(case, "approve", as_of=as_of, acting_user=acting_user)
        _issue_notice(case, CaseNotice.Kind.APPROVAL, as_of=as_of, seal=seal)
    return case


def case_deny(*, case, acting_user, as_of: dt.date, reason: str):
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reasons for the denial."), field="reason")
    with transaction.atomic(durable=True), acting_on(as_of):
        case.decision_reason = reason
        case.approved_on = as_of
        _act(case, "deny", acting_user=acting_user, as_of=as_of, reason=reason)
        seal = _use_seal(case, "deny", as_of=as_of, acting_user=acting_user)
        _issue_notice(case, CaseNotice.Kind.DENIAL, as_of=as_of, seal=seal)
    return case


def case_issue_licence(*, case, acting_user, as_of: dt.date, licence_number: str):
    """Art. 44: issue and deliver within 10 working days of approval (late issue is shown overdue)."""
    licence_number = (licence_number or "").strip()
    if not licence_number:
        raise InvalidInput(_("Give the licence number."), field="licence_number")
    with transaction.atomic(durable=True), acting_on(as_of):
        case.licence_number = licence_number
        _act(case, "issue_licence", acting_user=acting_user, as_of=as_of, reason=licence_number)
        _use_seal(case, "issue_licence", as_of=as_of, acting_user=acting_user)
    return case


def case_forward(*, case, acting_user, as_of: dt.date, reason: str = ""):
    """Art. 43: a preliminary review is forwarded to the deciding authority within 20 working days."""
    with transaction.atomic(durable=True), acting_on(as_of):
        _act(case, "forward", acting_user=acting_user, as_of=as_of, reason=reason)
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
        _act(case, "record_superior_decision", acting_user=acting_user, as_of=as_of,
             reason=f"{decision} {document}")
    return case


def case_withdraw(*, case, acting_user, as_of: dt.date, reason: str = ""):
    with transaction.atomic(durable=True), acting_on(as_of):
        open_suspension = case.suspensions.filter(end__isnull=True).first()
        _act(case, "withdraw", acting_user=acting_user, as_of=as_of, reason=reason,
             before_save=lambda obj: _end_suspension(open_suspension, as_of))
    return case


# --- entrustments ---------------------------------------------------------------------


def entrustment_transition(*, entrustment: Entrustment, action: str, acting_user, reason: str = "",
                           as_of: dt.date | None = None):
    """sign / file / bring_into_force / suspend / reinstate / expire."""
    if action not in ("sign", "file", "bring_into_force", "suspend", "reinstate", "expire"):
        raise InvalidInput(_("Unknown action."), field="action")
    with transaction.atomic():
        run_transition(entrustment, action, acting_user=acting_user, as_of=as_of, reason=reason)
    return entrustment


def entrustment_revoke(*, entrustment: Entrustment, acting_user, reason: str, details: str, as_of: dt.date):
    """Revoke with a recorded lawful reason; the seal is recovered the same day (002:35)."""
    if reason not in Entrustment.RevocationReason.values:
        raise InvalidInput(_("Choose the lawful reason for the revocation."), field="reason")
    if not (details or "").strip():
        raise InvalidInput(_("Describe the facts behind the revocation."), field="details")
    with transaction.atomic():
        entrustment.revocation_reason, entrustment.revocation_note = reason, details.strip()
        run_transition(entrustment, "revoke", acting_user=acting_user, as_of=as_of,
                       reason=f"{reason}: {details.strip()}")
        for seal in entrustment.seals.filter(recovered_on__isnull=True):
            seal.recovered_on = as_of
            seal.save(update_fields=["recovered_on"])
            audit.record(obj=seal, action="recover_seal", actor=acting_user, reason=reason)
    return entrustment
