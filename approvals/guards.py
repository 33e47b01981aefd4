"""Conditions and permissions of the case transitions.

Conditions are pure: they read the case and the date the service is acting on
(``case.as_of``, injected by the service, never the wall clock). Their names are the
keys of approvals.services.GUARD_MESSAGES, which says in Chinese what is missing.
"""
from policyops.calendar import add_working_days
from policyops.scoping import may_touch_district

from approvals import rules


def _acting_date(case):
    return case.as_of


# Permissions (role + district).

def may_process(case, user) -> bool:
    return user.has_perm("approvals.process_case") and may_touch_district(user, case.district_id)


def may_decide(case, user) -> bool:
    return user.has_perm("approvals.decide_case") and may_touch_district(user, case.district_id)


def may_extend(case, user) -> bool:
    return user.has_perm("approvals.extend_case") and may_touch_district(user, case.district_id)


# Conditions.

def within_correction_period(case) -> bool:
    return _acting_date(case) <= add_working_days(case.received_on, rules.CORRECTION_NOTICE_DAYS)


def has_missing_materials(case) -> bool:
    return any(not m.provided for m in case.materials.all())


def materials_complete(case) -> bool:
    """Complete — or past the correction window with no notice sent: then the application
    counts as accepted on its receipt date whatever is missing (Art. 32(4))."""
    if case.state == case.State.SUBMITTED and not within_correction_period(case):
        return True
    return all(m.provided for m in case.materials.all())


def inside_scope(case) -> bool:
    return not rules.scope_violations(case.power.scope_rule, school_type=case.school_type,
                                      hospital_grade=case.hospital_grade, inside_pingdu=case.inside_pingdu)


def entrusted_with_seal(case) -> bool:
    from approvals.selectors import seal_for

    return seal_for(case.power, _acting_date(case), case.district_id) is not None


def has_refusal_reason(case) -> bool:
    return bool(case.refusal_reason.strip() and case.refer_to.strip())


def has_handler(case) -> bool:
    return case.handler_id is not None


def not_yet_extended(case) -> bool:
    return not case.extended


def before_legal_deadline(case) -> bool:
    """Art. 42: the extension is decided within the 20 working days."""
    return case.legal_due_on is not None and _acting_date(case) <= case.legal_due_on


def not_preliminary_review(case) -> bool:
    return not case.power.is_preliminary_review


def is_preliminary_review(case) -> bool:
    return case.power.is_preliminary_review


def has_decision_reason(case) -> bool:
    return bool(case.decision_reason.strip())


def has_licence_number(case) -> bool:
    return bool(case.licence_number.strip())


def has_superior_decision(case) -> bool:
    return bool(case.superior_decision and case.superior_document.strip())
