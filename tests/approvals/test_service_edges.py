"""Edges of the approvals' services (approvals.services) that the mutation runner found
unpinned (round 37): what registration refuses, and what each step writes besides its state."""
import datetime as dt

import pytest
from django.db import transaction

from approvals import rules, services
from approvals.models import ApprovalCase
from policyops.errors import InvalidInput
from tests.approvals.factories import register_case

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


SERVICES = {
    "accept": lambda case, clerk: services.case_accept(case=case, acting_user=clerk, as_of=RECEIVED),
    "refuse": lambda case, clerk: services.case_refuse(case=case, acting_user=clerk, as_of=RECEIVED, reason="材料不实",
                                                    refer_to="市测试委"),
    "request_correction": lambda case, clerk: services.case_request_correction(case=case, acting_user=clerk,
                                                                               as_of=RECEIVED, missing=["申请书"]),
}


@pytest.mark.parametrize("step", SERVICES)
def test_a_step_returns_its_case(power, entrustment, clerk, step):
    case = register_case(power, clerk=clerk, received_on=RECEIVED)
    assert SERVICES[step](case, clerk) is case


@pytest.mark.parametrize("step", SERVICES)
def test_a_step_is_its_own_transaction_never_part_of_a_callers(power, entrustment, clerk, step):
    # durable: its notices and audit row commit with it, or it does not run.
    case = register_case(power, clerk=clerk, received_on=RECEIVED)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        SERVICES[step](case, clerk)
