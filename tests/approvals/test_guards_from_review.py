"""Defects found in review, each pinned by a test."""
import datetime as dt

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import ApprovalCase, CaseNotice
from policyops.errors import ConditionFailed, InvalidInput
from policyops.models import District, Person, ServiceHall
from policyops.roles import Role
from tests.approvals.factories import pingdu_hall, register_case
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_district_without_the_entrusted_authority_cannot_register(seeded, power, entrustment):
    laoshan = District.objects.get(name="崂山区")
    hall = ServiceHall.objects.get(name="崂山区审批服务大厅", district=laoshan)
    clerk = make_user(Role.CLERK, district=laoshan)
    with pytest.raises(InvalidInput) as exc:
        services.case_register(power=power, applicant_name="甲", applicant_type="person",
                               applicant_phone="13800001234", received_hall=hall, first_contact=clerk.person,
                               received_on=D(2024, 9, 27), materials=[("申请书", True)], acting_user=clerk)
    assert exc.value.field == "received_hall"
    assert not ApprovalCase.objects.exists()


def test_a_receipt_before_the_decree_is_in_force_is_refused(power, entrustment, clerk):
    with pytest.raises(InvalidInput) as exc:
        register_case(power, clerk=clerk, received_on=D(2018, 10, 7))
    assert exc.value.field == "received_on"


def test_the_head_cannot_extend_after_the_legal_deadline(power, entrustment, clerk, head):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    services.case_assign(cases=[case], handler=clerk.person, acting_user=head)
    services.case_start_review(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    with pytest.raises(ConditionFailed):
        services.case_extend(case=case, acting_user=head, as_of=D(2024, 10, 31), reason="来不及")


def test_the_head_may_extend_on_the_last_day_of_the_legal_limit(power, entrustment, clerk, head):
    # Art. 42 二十日内不能作出决定的…可以延长十日: the twentieth working day is still within the limit.
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    services.case_assign(cases=[case], handler=clerk.person, acting_user=head)
    services.case_start_review(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    last_day = ApprovalCase.objects.get(pk=case.pk).legal_due_on
    services.case_extend(case=ApprovalCase.objects.get(pk=case.pk), acting_user=head, as_of=last_day, reason="来不及")
    extended = ApprovalCase.objects.get(pk=case.pk)
    assert extended.extended and extended.legal_due_on > last_day


def test_first_contact_only_for_a_case_received_at_the_hall_that_day(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    director = Person.objects.create(name="局长")
    with pytest.raises(InvalidInput):
        services.case_take_first_contact(case=case, person=director, acting_user=clerk, hall=pingdu_hall(),
                                         day=D(2024, 9, 30))
    services.case_take_first_contact(case=case, person=director, acting_user=clerk, hall=pingdu_hall(),
                                     day=D(2024, 9, 27))
    assert ApprovalCase.objects.get(pk=case.pk).first_contact == director


def test_a_stale_transition_keeps_a_new_first_contact(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    stale = ApprovalCase.objects.get(pk=case.pk)
    director = Person.objects.create(name="局长")
    services.case_take_first_contact(case=case, person=director, acting_user=clerk, hall=pingdu_hall(),
                                     day=D(2024, 9, 27))
    services.case_accept(case=stale, acting_user=clerk, as_of=D(2024, 9, 27))
    assert ApprovalCase.objects.get(pk=case.pk).first_contact == director


@pytest.mark.parametrize("digits, shown", [("１２３４", True), ("١٢٣٤", False), ("é", False), ("1234", True)])
def test_odd_digits_on_the_public_status_page_never_break_it(client, power, entrustment, clerk, digits, shown):
    from django.core.cache import cache

    cache.clear()
    case = register_case(power, clerk=clerk)  # phone 0532-88881234
    response = client.post(reverse("approvals:public_status"), {"number": case.number, "phone_last4": digits})
    assert response.status_code == 200
    assert (case.power.name in response.content.decode()) is shown


def test_the_notice_print_page_needs_the_case_permission(client, power, entrustment, clerk):
    from tests.approvals.factories import pingdu

    case = register_case(power, clerk=clerk)
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    notice = case.notices.get(kind=CaseNotice.Kind.ACCEPTANCE)
    manager = make_user(Role.PROGRAMME_MANAGER, district=pingdu())
    client.force_login(manager)
    assert client.get(reverse("approvals:notice_print", args=[notice.pk])).status_code == 404
    client.force_login(clerk)
    assert client.get(reverse("approvals:notice_print", args=[notice.pk])).status_code == 200
