"""Edges of the approvals' services (approvals.services) that the mutation runner found
unpinned (round 37): what registration refuses, and what each step writes besides its state."""
import datetime as dt

import pytest
from django.db import transaction

from approvals import rules, services
from approvals.models import ApprovalCase
from policyops.errors import InvalidInput
from policyops.models import Person
from policyops.roles import Role
from tests.approvals.factories import (
    DelegatedPowerFactory,
    EntrustmentFactory,
    entrustment_in_force,
    pingdu_hall,
    register_case,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
RECEIVED = dt.date(2024, 9, 27)


def test_a_case_received_the_day_the_delegation_came_into_force_is_registered(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=rules.DECREE_IN_FORCE)
    assert case.received_on == dt.date(2018, 10, 8)


def test_a_case_received_the_day_before_is_refused(power, entrustment, clerk):
    with pytest.raises(InvalidInput) as refused:
        register_case(power, clerk=clerk, received_on=dt.date(2018, 10, 7))
    assert refused.value.field == "received_on"
    assert not ApprovalCase.objects.exists()


@pytest.mark.parametrize("materials", [[], [("申请书", True), ("  ", False)]], ids=["none", "one-unnamed"])
def test_materials_received_must_be_listed_each_by_name(power, entrustment, clerk, materials):
    with pytest.raises(InvalidInput) as refused:
        register_case(power, clerk=clerk, materials=materials)
    assert refused.value.field == "materials"
    assert not ApprovalCase.objects.exists()


def test_a_materials_name_of_200_characters_is_kept(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, materials=[("材" * 200, True)])
    assert case.materials.get().name == "材" * 200


def test_a_longer_one_is_refused_naming_its_first_twenty_characters(power, entrustment, clerk):
    with pytest.raises(InvalidInput) as refused:
        register_case(power, clerk=clerk, materials=[("申" * 20 + "请" * 181, True)])
    assert str(refused.value) == "材料名称最多200个字：" + "申" * 20 + "…"
    assert not ApprovalCase.objects.exists()


def test_assigning_counts_the_cases_whose_handler_changed(power, entrustment, clerk, head):
    assigned, free = (register_case(power, clerk=clerk) for _ in range(2))
    services.case_assign(cases=[assigned], handler=clerk.person, acting_user=head)
    assert services.case_assign(cases=[assigned, free], handler=clerk.person, acting_user=head) == 1


# Each step of a case, run on the date its turn comes, after the steps that bring the case there.
D = dt.date
STEPS = {
    "accept": ((), lambda case, clerk, head: services.case_accept(case=case, acting_user=clerk, as_of=RECEIVED)),
    "refuse": ((), lambda case, clerk, head: services.case_refuse(case=case, acting_user=clerk, as_of=RECEIVED,
                                                                  reason="材料不实", refer_to="市测试委")),
    "request_correction": ((), lambda case, clerk, head: services.case_request_correction(
        case=case, acting_user=clerk, as_of=RECEIVED, missing=["申请书"])),
    "resubmit": (("request_correction",), lambda case, clerk, head: services.case_resubmit(
        case=case, acting_user=clerk, as_of=D(2024, 9, 30), provided=["申请书"])),
    "withdraw": ((), lambda case, clerk, head: services.case_withdraw(case=case, acting_user=clerk, as_of=RECEIVED)),
    "start_review": (("accept", "assign"), lambda case, clerk, head: services.case_start_review(
        case=case, acting_user=clerk, as_of=RECEIVED)),
    "assign": ((), lambda case, clerk, head: services.case_assign(cases=[case], handler=clerk.person,
                                                                  acting_user=head)),
    "pause": (("accept", "assign", "start_review"), lambda case, clerk, head: services.case_pause(
        case=case, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing", expected_days=3)),
    "resume": (("accept", "assign", "start_review", "pause"), lambda case, clerk, head: services.case_resume(
        case=case, acting_user=clerk, as_of=D(2024, 10, 15))),
    "extend": (("accept", "assign", "start_review"), lambda case, clerk, head: services.case_extend(
        case=case, acting_user=head, as_of=D(2024, 10, 28), reason="需要现场核查")),
    "approve": (("accept", "assign", "start_review"), lambda case, clerk, head: services.case_approve(
        case=case, acting_user=clerk, as_of=D(2024, 10, 21), reason=" 符合法定条件 ")),
    "deny": (("accept", "assign", "start_review"), lambda case, clerk, head: services.case_deny(
        case=case, acting_user=clerk, as_of=D(2024, 10, 21), reason="不符合法定条件")),
    "issue_licence": (("accept", "assign", "start_review", "approve"), lambda case, clerk, head:
                      services.case_issue_licence(case=case, acting_user=clerk, as_of=D(2024, 10, 22),
                                                  licence_number="许可证2024001")),
    # A preliminary review's (初审) steps: its power's name ends in 初审 (brought_to chooses it).
    "forward": (("accept", "assign", "start_review"), lambda case, clerk, head: services.case_forward(
        case=case, acting_user=clerk, as_of=D(2024, 10, 21))),
    "record_superior_decision": (("accept", "assign", "start_review", "forward"), lambda case, clerk, head:
                                 services.case_record_superior_decision(case=case, acting_user=clerk,
                                                                        as_of=D(2024, 11, 5), decision="approved",
                                                                        document="青审批〔2024〕1号")),
}
PRELIMINARY_STEPS = {"forward", "record_superior_decision"}
DURABLE_STEPS = [name for name in STEPS if name != "assign"]  # assigning may join a caller's (bulk) transaction


def brought_to(step, power, clerk, head):
    """A case on which ``step`` is the next step."""
    if step in PRELIMINARY_STEPS:
        power = DelegatedPowerFactory(name="测试事项初审")
        entrustment_in_force([power], supervisor=make_user(Role.SUPERVISOR))
    case = register_case(power, clerk=clerk, received_on=RECEIVED)
    for before in STEPS[step][0]:
        STEPS[before][1](case, clerk, head)
    return case


@pytest.mark.parametrize("step", DURABLE_STEPS)
def test_a_step_returns_its_case(power, entrustment, clerk, head, step):
    case = brought_to(step, power, clerk, head)
    assert STEPS[step][1](case, clerk, head) is case


@pytest.mark.parametrize("step", DURABLE_STEPS)
def test_a_step_is_its_own_transaction_never_part_of_a_callers(power, entrustment, clerk, head, step):
    # durable: its notices and audit row commit with it, or it does not run.
    case = brought_to(step, power, clerk, head)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        STEPS[step][1](case, clerk, head)


def test_a_decision_keeps_its_reason_trimmed(power, entrustment, clerk, head):
    case = brought_to("approve", power, clerk, head)
    STEPS["approve"][1](case, clerk, head)
    case.refresh_from_db()
    assert case.decision_reason == "符合法定条件"


def test_a_pause_expected_to_last_one_working_day_is_taken(power, entrustment, clerk, head):
    case = brought_to("pause", power, clerk, head)
    services.case_pause(case=case, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing", expected_days=1)
    case.refresh_from_db()
    assert case.state == ApprovalCase.State.PAUSED


def test_a_pause_expected_to_last_no_working_day_is_refused(power, entrustment, clerk, head):
    case = brought_to("pause", power, clerk, head)
    with pytest.raises(InvalidInput) as refused:
        services.case_pause(case=case, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing", expected_days=0)
    assert refused.value.field == "expected_days"


def test_the_clock_may_resume_the_day_it_was_paused(power, entrustment, clerk, head):
    case = brought_to("resume", power, clerk, head)
    services.case_resume(case=case, acting_user=clerk, as_of=D(2024, 10, 10))
    case.refresh_from_db()
    assert case.state == ApprovalCase.State.UNDER_REVIEW


def test_an_issued_licence_leaves_no_licence_deadline(power, entrustment, clerk, head):
    case = brought_to("issue_licence", power, clerk, head)
    assert case.licence_due_on is not None
    STEPS["issue_licence"][1](case, clerk, head)
    case.refresh_from_db()
    assert (case.licence_due_on, case.due_on) == (None, None)


def test_a_calendar_change_recomputes_the_cases_received_up_to_its_last_date(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2026, 12, 15))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2026, 12, 15))
    ApprovalCase.objects.filter(pk=case.pk).update(legal_due_on=D(2027, 6, 1))  # a clock the change left stale
    moved = services.cases_recompute_after_calendar_change([D(2026, 12, 1), D(2027, 1, 4)], as_of=D(2026, 12, 15))
    assert moved == [case.number]
    case.refresh_from_db()
    assert case.legal_due_on < D(2027, 2, 1)


def test_no_changed_date_recomputes_nothing():
    assert services.cases_recompute_after_calendar_change([]) == []


def test_an_entrustment_step_returns_its_entrustment(power, supervisor):
    entrustment = EntrustmentFactory(agency=power.agency, signed_on=D(2018, 9, 20))
    entrustment.powers.set([power])
    signed = services.entrustment_transition(entrustment=entrustment, action="sign", acting_user=supervisor)
    assert signed is entrustment


def test_a_revocation_returns_its_entrustment(entrustment, supervisor):
    revoked = services.entrustment_revoke(entrustment=entrustment, acting_user=supervisor, reason="seal_beyond_scope",
                                          details="在委托范围外加盖专用章", as_of=D(2024, 10, 8))
    assert revoked is entrustment


def test_taking_first_contact_returns_the_case_whether_or_not_it_changed(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=RECEIVED)
    director = Person.objects.create(name="局长")
    take = dict(person=director, acting_user=clerk, hall=pingdu_hall(), day=RECEIVED)
    assert services.case_take_first_contact(case=case, **take) is case
    assert services.case_take_first_contact(case=case, **take) is case  # already theirs: nothing written


def test_claiming_ones_own_case_again_returns_it_unchanged(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=RECEIVED)
    services.case_claim(case=case, acting_user=clerk)
    assert services.case_claim(case=case, acting_user=clerk) is case
