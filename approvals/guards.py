"""Conditions and permissions of the case transitions.

Conditions are pure: they read the case and the date the action is taken on
(``acting_as_of()``, set by the workflow kernel; never the wall clock). Each one carries
the message that says what is missing, declared beside it.
"""
from django.utils.translation import gettext_lazy as _

from approvals import rules
from policyops.scoping import may_touch_district, user_has_perm
from policyops.workflow import acting_as_of, condition

# Permissions (role + district).


def may_process(case, user) -> bool:
    return user_has_perm(user, "approvals.process_case") and may_touch_district(user, case.district_id)


def may_decide(case, user) -> bool:
    return user_has_perm(user, "approvals.decide_case") and may_touch_district(user, case.district_id)


# 行政许可法 Art. 42: 经本行政机关负责人批准 — only the head of the authority holding the power extends.
def heads_the_authority(case, user) -> bool:
    """The user heads the approval authority entrusted with the case's power in the case's
    district (approvals.AuthorityHead); a director of another department never does."""
    if not user.is_authenticated:
        return False
    return (case.power_id, case.district_id) in _headed_powers(user, case.power.entrustments.model)


def _headed_powers(user, entrustment_model) -> frozenset:
    """The (power, district) pairs of the authorities ``user`` heads, read once per user object
    (a request's user, as Django keeps its permissions): asked per case, a home page's queue
    cost a query a row (issue 12). The model comes through the case's relations, so that guards
    import no model (models import guards)."""
    memo = getattr(user, "_headed_powers", None)
    if memo is None:
        memo = user._headed_powers = frozenset(
            entrustment_model.objects.filter(authority__approval_head__person__user_id=user.pk)
            .order_by()  # a set: no join to the agency for the model's ordering by its name
            .values_list("powers", "authority__district_id"))
    return memo


def may_extend(case, user) -> bool:
    return (user_has_perm(user, "approvals.extend_case") and may_touch_district(user, case.district_id)
            and heads_the_authority(case, user))


# Conditions.

@condition(_("the 5 working days for a correction notice have passed; the application counts as accepted on "
             "the day it was received (Art. 32)"))
def within_correction_period(case) -> bool:
    return acting_as_of() <= rules.correction_notice_due(case.received_on)


@condition(_("mark the missing materials first; the notice must list every one of them"))
def has_missing_materials(case) -> bool:
    return any(not m.provided for m in case.material_list)


@condition(_("some materials are still missing; request a correction"))
def materials_complete(case) -> bool:
    """Complete — or past the correction window with no notice sent: then the application
    counts as accepted on its receipt date whatever is missing (Art. 32(4))."""
    if rules.is_deemed_accepted(received_on=case.received_on, as_of=acting_as_of(),
                                correction_requested=case.state != case.State.SUBMITTED):
        return True
    return all(m.provided for m in case.material_list)


@condition(_("the application is outside the delegated scope; refuse it"))
def inside_scope(case) -> bool:
    return not rules.scope_violations(case.power.scope_rule, school_type=case.school_type,
                                      hospital_grade=case.hospital_grade, inside_pingdu=case.inside_pingdu,
                                      cross_regional=case.cross_regional)


@condition(_("on this date the power's entrustment is not in force or its seal is not issued"))
def entrusted_with_seal(case) -> bool:
    return case.power.seal_on(acting_as_of(), case.district_id) is not None


def outside_scope(case) -> bool:
    return not inside_scope(case)


@condition(_("give the reason, and for a matter outside the delegated scope where to apply instead"))
def has_refusal_reason(case) -> bool:
    # Art. 32(2): only a matter outside the authority's remit is referred (告知申请人向有关行政机关申请).
    return bool(case.refusal_reason.strip() and (case.refer_to.strip() or not outside_scope(case)))


@condition(_("the 5 working days for a correction notice passed without one: the application counts as accepted "
             "on the day it was received (Art. 32), and only a matter outside the delegated scope can still be "
             "refused; accept it and decide"))
def still_refusable(case) -> bool:
    """Art. 32(4) 逾期不告知的，自收到申请材料之日起即为受理: once deemed accepted, an application is
    decided (准予 or 不予许可), not turned away — unless it is outside the delegated scope (Art. 32(2))."""
    deemed = rules.is_deemed_accepted(received_on=case.received_on, as_of=acting_as_of(),
                                      correction_requested=case.state != case.State.SUBMITTED)
    return not deemed or outside_scope(case)


@condition(_("assign a handler first"))
def has_handler(case) -> bool:
    return case.handler_id is not None


@condition(_("the time limit has already been extended once"))
def not_yet_extended(case) -> bool:
    return not case.extended


@condition(_("the legal time limit has already run out; an extension is decided within it"))
def before_legal_deadline(case) -> bool:
    """Art. 42: the extension is decided within the 20 working days."""
    return case.legal_due_on is not None and acting_as_of() <= case.legal_due_on


@condition(_("this power is a preliminary review (初审): forward it to the deciding authority"), structural=True)
def not_preliminary_review(case) -> bool:
    return not case.power.is_preliminary_review


@condition(_("only preliminary-review (初审) powers are forwarded"), structural=True)
def is_preliminary_review(case) -> bool:
    return case.power.is_preliminary_review


@condition(_("give the reasons for the decision"))
def has_decision_reason(case) -> bool:
    return bool(case.decision_reason.strip())


@condition(_("give the licence number"))
def has_licence_number(case) -> bool:
    return bool(case.licence_number.strip())


@condition(_("record the deciding authority's decision and its document"))
def has_superior_decision(case) -> bool:
    return bool(case.superior_decision and case.superior_document.strip())
