"""Edges of the approvals' rules that mutation testing (make mutants) found no test pinning."""
import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from approvals import guards, rules
from approvals.models import DelegatedPower
from approvals.selectors import DueState, case_due_state
from policyops.models import District
from policyops.roles import Role
from policyops.workflow import acting_on
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
D = dt.date
# Received on Friday 2024-09-27; the five working days for a correction notice are 9-29 (a
# Sunday worked for National Day), 9-30, 10-8, 10-9 and 10-10.
RECEIVED = D(2024, 9, 27)


def test_the_fifth_working_day_is_still_within_the_correction_window():
    # Art. 32(4) 五日内一次告知…逾期不告知的…即为受理: counted as accepted only after the fifth day.
    assert not rules.is_deemed_accepted(received_on=RECEIVED, correction_requested=False, as_of=D(2024, 10, 10))


def test_the_day_after_the_fifth_working_day_counts_as_accepted():
    assert rules.is_deemed_accepted(received_on=RECEIVED, correction_requested=False, as_of=D(2024, 10, 11))


def test_three_working_days_left_is_due_soon():
    # Due Friday 2024-10-18, seen on Tuesday the 15th: the 16th, 17th and 18th are left.
    assert case_due_state(SimpleNamespace(is_open=True, due_on=D(2024, 10, 18)), D(2024, 10, 15)) == DueState.SOON


def test_four_working_days_left_is_on_time():
    assert case_due_state(SimpleNamespace(is_open=True, due_on=D(2024, 10, 18)), D(2024, 10, 14)) == DueState.ON_TIME


def test_nothing_typed_is_no_part_of_a_case_number():
    assert not rules.may_be_in_case_number("")


def test_a_whole_number_with_every_digit_is_part_of_a_case_number():
    # Its characters are all the layout's (P, D, - and the ten digits), not a part of them.
    assert rules.may_be_in_case_number("PD-0123-456789")


def test_a_new_power_has_the_twenty_working_days_of_art_42():
    assert DelegatedPower().legal_limit_days == 20


# --- the transitions' guards -----------------------------------------------------------------


def test_a_clerk_of_another_district_may_not_decide_a_pingdu_case(seeded):
    pingdu, laoshan = District.objects.get(name="平度市"), District.objects.get(name="崂山区")
    case = SimpleNamespace(district_id=pingdu.pk)
    assert guards.may_decide(case, make_user(Role.CLERK, district=pingdu))
    assert not guards.may_decide(case, make_user(Role.CLERK, district=laoshan))


def test_nobody_signed_in_heads_an_authority():
    # Art. 42 经本行政机关负责人批准: an anonymous request never extends.
    assert not guards.heads_the_authority(SimpleNamespace(power_id=1, district_id=1), AnonymousUser())


def test_one_material_of_two_missing_blocks_acceptance_within_the_window():
    case = SimpleNamespace(received_on=RECEIVED, state="submitted", State=SimpleNamespace(SUBMITTED="submitted"),
                           material_list=[SimpleNamespace(provided=True), SimpleNamespace(provided=False)])
    with acting_on(D(2024, 9, 30)):
        assert not guards.materials_complete(case)


def test_a_refusal_of_a_matter_outside_the_scope_names_where_to_apply_instead(monkeypatch):
    # Art. 32(2) 不属于本行政机关职权范围的…告知申请人向有关行政机关申请: the reason alone is not enough.
    monkeypatch.setattr(guards, "inside_scope", lambda case: False)
    assert not guards.has_refusal_reason(SimpleNamespace(refusal_reason="不属于本机关职权范围", refer_to=" "))
    assert guards.has_refusal_reason(SimpleNamespace(refusal_reason="不属于本机关职权范围", refer_to="市教育局"))


def test_a_refusal_of_a_matter_inside_the_scope_needs_only_its_reason(monkeypatch):
    # Art. 32(1): a matter that needs no licence is refused without a referral.
    monkeypatch.setattr(guards, "inside_scope", lambda case: True)
    assert guards.has_refusal_reason(SimpleNamespace(refusal_reason="依法不需要取得行政许可", refer_to=""))
    assert not guards.has_refusal_reason(SimpleNamespace(refusal_reason=" ", refer_to="市教育局"))


def test_a_superior_decision_needs_its_document():
    assert not guards.has_superior_decision(SimpleNamespace(superior_decision="approved", superior_document=" "))


def test_a_contact_phone_of_seven_digits_is_enough_and_six_are_not():
    from django.core.exceptions import ValidationError

    from approvals.phones import validate_contact_phone

    validate_contact_phone("8888123")  # a landline without its area code
    with pytest.raises(ValidationError):
        validate_contact_phone("888812")


def test_a_contact_phone_fits_its_column_of_twenty_characters():
    from django.core.exceptions import ValidationError

    from approvals.phones import validate_contact_phone

    validate_contact_phone("0532-8888-1234-56789")  # 20 characters
    with pytest.raises(ValidationError):
        validate_contact_phone("0532-8888-1234-567890")
