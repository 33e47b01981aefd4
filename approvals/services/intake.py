"""Registration and intake of an application (Art. 32): correction, acceptance, refusal."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from approvals import phones, rules, selectors
from approvals.models import ApprovalCase, CaseMaterial, CaseNotice, SealUse
from approvals.services.common import (
    RECEIPT_BEFORE_ACCEPTANCE,
    _act,
    _fresh_materials,
    _issue_notice,
    _lock,
    _mark_materials,
    _use_seal,
    case_recompute_clock,
    require_on_or_after,
)
from policyops import audit
from policyops.errors import InvalidInput, NotAllowed
from policyops.formatting import as_typed
from policyops.history import recorded_by
from policyops.models import Department
from policyops.numbering import next_number
from policyops.scoping import may_touch_district
from policyops.workflow import acting_on

# --- registration -------------------------------------------------------------------


def case_register(*, power, applicant_name: str, applicant_type: str, applicant_phone: str, received_hall,
                  first_contact, received_on: dt.date, materials, acting_user, school_type: str = "",
                  hospital_grade: str = "", inside_pingdu: bool = True, cross_regional: bool = False) -> ApprovalCase:
    """Register an application received at a hall. ``materials``: (name, provided) pairs."""
    if not acting_user.has_perm("approvals.process_case") or not may_touch_district(acting_user,
                                                                                    received_hall.district_id):
        raise NotAllowed(_("You may not register cases for this hall."))
    if received_hall.district_id is None or not Department.objects.filter(
            district_id=received_hall.district_id, kind=Department.Kind.APPROVAL_AUTHORITY).exists():
        # Only the entrusted authority's district exercises the delegated powers (002:31).
        raise InvalidInput(_("The delegated powers are exercised only by the entrusted approval authority's "
                             "halls."), field="received_hall")
    if received_on < rules.DECREE_IN_FORCE:
        raise InvalidInput(_("The delegation is in force from %(date)s; an earlier receipt date is not possible."),
                           field="received_on", date=rules.DECREE_IN_FORCE)
    applicant_name, applicant_phone = applicant_name.strip(), as_typed(applicant_phone)
    if not applicant_name:
        raise InvalidInput(_("The applicant's name is required."), field="applicant_name")
    try:
        phones.validate_contact_phone(applicant_phone)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], field="applicant_phone") from None
    materials = [(str(name).strip(), bool(provided)) for name, provided in materials]
    if not materials or any(not name for name, _p in materials):
        raise InvalidInput(_("List the materials received (at least one, none without a name)."), field="materials")
    # Checked before anything is written: PostgreSQL refused a longer name with a server error.
    longest = CaseMaterial._meta.get_field("name").max_length
    too_long = next((name for name, _p in materials if len(name) > longest), None)
    if too_long is not None:
        raise InvalidInput(_("A material's name has at most %(limit)s characters: %(name)s…"), field="materials",
                           limit=longest, name=too_long[:20])
    with transaction.atomic(), recorded_by(acting_user):
        number = rules.case_number(received_on.year, next_number("case", received_on.year))
        case = ApprovalCase(number=number, power=power, district_id=received_hall.district_id,
                            applicant_name=applicant_name, applicant_type=applicant_type,
                            applicant_phone=applicant_phone, received_hall=received_hall,
                            first_contact=first_contact, received_on=received_on, school_type=school_type,
                            hospital_grade=hospital_grade, inside_pingdu=inside_pingdu,
                            cross_regional=bool(cross_regional))
        case_recompute_clock(case, as_of=received_on)
        case.full_clean()
        case.save()
        CaseMaterial.objects.bulk_create([CaseMaterial(case=case, name=n, provided=p) for n, p in materials])
        audit.record(obj=case, action="register", actor=acting_user, to_state=case.state)
    return case


def case_scope_problems(case) -> list[str]:
    return [str(p) for p in rules.scope_violations(case.power.scope_rule, school_type=case.school_type,
                                                   hospital_grade=case.hospital_grade,
                                                   inside_pingdu=case.inside_pingdu,
                                                   cross_regional=case.cross_regional)]


def case_refusal_suggestion(case) -> dict | None:
    """When the scope rule fails: the reason and where to apply instead, ready for ``case_refuse``."""
    problems = case_scope_problems(case)
    if not problems:
        return None
    if case.cross_regional:
        # Decree 第264号 (002:25): 赋权部门主要负责…跨区域重大事项 — the city agency keeps cross-regional projects.
        refer_to = _("%(agency)s (the city agency, which keeps cross-regional project approvals)")
    else:
        refer_to = _("%(agency)s (the city agency that owns this power)")
    return {"reason": "；".join(problems), "refer_to": str(refer_to % {"agency": case.power.agency})}


# --- intake ---------------------------------------------------------------------------


def case_request_correction(*, case, acting_user, as_of: dt.date, missing: list[str] | None = None):
    """One-time notice listing every missing item (Art. 32(4))."""
    with transaction.atomic(durable=True), acting_on(as_of):
        locked = _lock(case)
        materials = _fresh_materials(case)
        if missing:
            unknown = [n for n in missing if n not in {m.name for m in materials}]
            if unknown:
                raise InvalidInput(_("Unknown materials: %(names)s"), field="missing", names="、".join(unknown))
            _mark_materials(materials, set(missing), provided=False)
        _act(locked, "request_correction", acting_user=acting_user, as_of=as_of)
        items = [m.name for m in materials if not m.provided]
        _issue_notice(case, CaseNotice.Kind.CORRECTION, as_of=as_of, missing=items)
    return case


def case_resubmit(*, case, acting_user, as_of: dt.date, provided: list[str] | None = None):
    with transaction.atomic(durable=True), acting_on(as_of):
        locked = _lock(case)
        materials = _fresh_materials(case)
        _mark_materials(materials, set(provided) if provided is not None else {m.name for m in materials},
                        provided=True)
        _act(locked, "resubmit", acting_user=acting_user, as_of=as_of)
    return case


def case_accept(*, case, acting_user, as_of: dt.date):
    """受理. Past the 5-day correction window the case counts as accepted on its receipt date."""
    require_on_or_after(as_of, case.received_on, RECEIPT_BEFORE_ACCEPTANCE)
    with transaction.atomic(durable=True), acting_on(as_of):
        deemed = rules.is_deemed_accepted(received_on=case.received_on, as_of=as_of,
                                          correction_requested=case.state != ApprovalCase.State.SUBMITTED)
        case.accepted_on = case.received_on if deemed else as_of
        case.deemed_accepted = deemed
        locked = _lock(case, inputs=("accepted_on", "deemed_accepted"))
        # The clock is paused only under review (Art. 45), after acceptance: a case being
        # accepted has no suspension to read.
        _act(locked, "accept", acting_user=acting_user, as_of=as_of, suspensions=[])
        seal = _use_seal(case, "accept", as_of=as_of, acting_user=acting_user)
        _issue_notice(case, CaseNotice.Kind.ACCEPTANCE, as_of=as_of, seal=seal)
    return case


def case_refuse(*, case, acting_user, as_of: dt.date, reason: str = "", refer_to: str = ""):
    """不予受理 with the reason, and for a matter outside the delegated scope where to apply instead (Art. 32)."""
    suggestion = case_refusal_suggestion(case) or {}
    case.refusal_reason = (reason or suggestion.get("reason", "")).strip()
    case.refer_to = (refer_to or suggestion.get("refer_to", "")).strip()
    if not case.refusal_reason:
        raise InvalidInput(_("Give the reason for not accepting the application."), field="reason")
    if not case.refer_to and suggestion:  # Art. 32(2): a matter outside the scope is referred
        raise InvalidInput(_("Say where the applicant should apply instead."), field="refer_to")
    with transaction.atomic(durable=True), acting_on(as_of):
        locked = _lock(case, inputs=("refusal_reason", "refer_to"))
        _act(locked, "refuse", acting_user=acting_user, as_of=as_of, reason=case.refusal_reason)
        # A refusal is possible without a seal in force (the applicant must still be told);
        # when the seal is in force, its use is logged like any decision's.
        seal = selectors.seal_for(case.power, as_of, case.district_id)
        if seal is not None:
            SealUse.objects.create(seal=seal, case=case, action="refuse", used_on=as_of, used_by=acting_user)
        _issue_notice(case, CaseNotice.Kind.REFUSAL, as_of=as_of, seal=seal)
    return case
