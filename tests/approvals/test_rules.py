import datetime as dt

import pytest

from approvals import rules, services
from approvals.models import ApprovalCase, DelegatedPower
from policyops.errors import ConditionFailed
from tests.approvals.factories import entrustment_in_force, register_case

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def seeded_powers(seeded, supervisor):
    powers = {p.number: p for p in DelegatedPower.objects.select_related("agency")}
    for number in (7, 28, 39, 16):
        entrustment_in_force([powers[number]], supervisor=supervisor)
    return powers


def test_preliminary_review_powers_are_exactly_16_17_24(seeded):
    assert [p.number for p in DelegatedPower.objects.all() if p.is_preliminary_review] == [16, 17, 24]


def test_scope_rules_come_from_the_remarks(seeded):
    rule = {p.number: p.scope_rule for p in DelegatedPower.objects.all()}
    assert {rule[n] for n in range(7, 15)} == {rules.ScopeRule.PRIVATE_HIGH_OR_VOCATIONAL_SCHOOL}
    assert {rule[n] for n in range(28, 39)} == {rules.ScopeRule.NOT_TERTIARY_PRACTITIONER}
    assert {rule[n] for n in range(39, 44)} == {rules.ScopeRule.NOT_TERTIARY_HOSPITAL}
    assert rule[1] == rules.ScopeRule.NONE


def test_a_tertiary_hospital_doctors_registration_is_refused_with_a_reason(seeded_powers, clerk):
    case = register_case(seeded_powers[28], clerk=clerk, hospital_grade=rules.HospitalGrade.TERTIARY)
    with pytest.raises(ConditionFailed):
        services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    suggestion = services.case_refusal_suggestion(case)
    assert "三级" in suggestion["reason"] and "市卫生计生委" in suggestion["refer_to"]
    services.case_refuse(case=ApprovalCase.objects.get(pk=case.pk), acting_user=clerk, as_of=D(2024, 9, 27))
    case.refresh_from_db()
    assert case.state == ApprovalCase.State.REFUSED and "三级" in case.refusal_reason
    assert "市卫生计生委" in case.notices.get().body


def test_a_secondary_hospital_doctor_is_inside_scope(seeded_powers, clerk):
    case = register_case(seeded_powers[28], clerk=clerk, hospital_grade=rules.HospitalGrade.SECONDARY)
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    assert case.state == ApprovalCase.State.ACCEPTED


def test_a_private_high_schools_name_change_is_accepted(seeded_powers, clerk):
    case = register_case(seeded_powers[7], clerk=clerk, school_type=rules.SchoolType.PRIVATE_GENERAL_HIGH_SCHOOL)
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    assert case.state == ApprovalCase.State.ACCEPTED


def test_another_school_type_is_outside_scope(seeded_powers, clerk):
    case = register_case(seeded_powers[7], clerk=clerk, school_type=rules.SchoolType.OTHER)
    assert services.case_refusal_suggestion(case) is not None
    with pytest.raises(ConditionFailed):
        services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))


def test_a_tertiary_hospitals_own_licence_is_refused(seeded_powers, clerk):
    case = register_case(seeded_powers[39], clerk=clerk, hospital_grade=rules.HospitalGrade.TERTIARY)
    assert "三级医疗机构除外" in services.case_refusal_suggestion(case)["reason"]


def test_a_matter_outside_pingdu_is_outside_scope(seeded_powers, clerk):
    case = register_case(seeded_powers[16], clerk=clerk, inside_pingdu=False)
    assert services.case_refusal_suggestion(case) is not None


def test_a_missing_fact_is_asked_for_not_guessed(seeded_powers, clerk):
    case = register_case(seeded_powers[28], clerk=clerk)
    assert services.case_scope_problems(case) == [str(rules.HOSPITAL_GRADE_MISSING)]


def test_promised_limit_may_not_exceed_legal(seeded):
    from django.core.exceptions import ValidationError

    power = DelegatedPower.objects.get(number=1)
    power.promised_limit_days = 25
    with pytest.raises(ValidationError):
        power.full_clean()


def test_promised_limit_drives_the_working_due_date(seeded_powers, clerk):
    power = seeded_powers[7]
    power.promised_limit_days = 10
    power.save()
    case = register_case(power, clerk=clerk, school_type=rules.SchoolType.SECONDARY_VOCATIONAL_SCHOOL)
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    case.refresh_from_db()
    assert case.promised_due_on == D(2024, 10, 16)
    assert case.legal_due_on == D(2024, 10, 30)
    assert case.due_on == case.promised_due_on


def test_entrustment_signing_deadline_is_30_days_after_publication():
    assert rules.entrustment_signing_deadline(D(2018, 8, 30)) == D(2018, 9, 29)


def test_a_deemed_accepted_case_outside_the_scope_is_still_refused_and_referred(seeded_powers, clerk):
    # Art. 32(2): a matter outside the delegated scope is referred whenever it is found.
    case = register_case(seeded_powers[28], clerk=clerk, hospital_grade=rules.HospitalGrade.TERTIARY)
    services.case_refuse(case=case, acting_user=clerk, as_of=D(2024, 10, 11))
    case.refresh_from_db()
    assert case.state == ApprovalCase.State.REFUSED and "市卫生计生委" in case.refer_to
    assert f"请向{case.refer_to}提出申请。" in case.notices.get(kind="refusal").body


def test_the_refusal_form_asks_where_to_apply_only_for_a_matter_outside_the_scope(seeded_powers, clerk):
    from approvals.forms import RefuseForm

    inside = register_case(seeded_powers[28], clerk=clerk, hospital_grade=rules.HospitalGrade.SECONDARY)
    outside = register_case(seeded_powers[28], clerk=clerk, hospital_grade=rules.HospitalGrade.TERTIARY)
    assert RefuseForm({"reason": "申请事项依法不需要取得行政许可", "refer_to": ""}, case=inside).is_valid()
    form = RefuseForm({"reason": "在三级医疗机构执业", "refer_to": ""}, case=outside)
    assert not form.is_valid() and "refer_to" in form.errors
    assert "市卫生计生委" in RefuseForm(case=outside)["refer_to"].initial
