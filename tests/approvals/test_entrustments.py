import datetime as dt

import pytest

from approvals import services
from approvals.models import ApprovalCase, ApprovalSeal, Entrustment
from policyops.audit import entries_for
from policyops.errors import ConditionFailed, InvalidInput, NotAllowed
from tests.approvals.factories import EntrustmentFactory, register_case

pytestmark = pytest.mark.django_db
D = dt.date
E = Entrustment.State


def test_signing_needs_the_five_contents(power, supervisor):
    entrustment = EntrustmentFactory(agency=power.agency, workflow="", signed_on=D(2018, 9, 20))
    with pytest.raises(ConditionFailed) as exc:
        services.entrustment_transition(entrustment=entrustment, action="sign", acting_user=supervisor)
    assert "办理流程" in str(exc.value)
    assert Entrustment.objects.get(pk=entrustment.pk).state == E.DRAFT


def test_filing_needs_both_offices(power, supervisor):
    entrustment = EntrustmentFactory(agency=power.agency, signed_on=D(2018, 9, 20),
                                     filed_with_reform_office_on=D(2018, 9, 25))
    services.entrustment_transition(entrustment=entrustment, action="sign", acting_user=supervisor)
    with pytest.raises(ConditionFailed):
        services.entrustment_transition(entrustment=entrustment, action="file", acting_user=supervisor)


def test_in_force_needs_an_issued_seal(power, supervisor):
    entrustment = EntrustmentFactory(agency=power.agency, signed_on=D(2018, 9, 20),
                                     filed_with_reform_office_on=D(2018, 9, 25),
                                     filed_with_legal_office_on=D(2018, 9, 25))
    services.entrustment_transition(entrustment=entrustment, action="sign", acting_user=supervisor)
    services.entrustment_transition(entrustment=entrustment, action="file", acting_user=supervisor)
    with pytest.raises(ConditionFailed):
        services.entrustment_transition(entrustment=entrustment, action="bring_into_force", acting_user=supervisor)


def test_only_supervisors_manage_entrustments(entrustment, clerk):
    with pytest.raises(NotAllowed):
        services.entrustment_suspend(entrustment=entrustment, acting_user=clerk, reason="专用章超范围使用，待查",
                                     as_of=D(2024, 10, 8))


def test_a_suspension_needs_its_reason(entrustment, supervisor):
    # 002:35 不得擅自收回或者变相收回: the powers stop at once, so the reason is recorded.
    with pytest.raises(InvalidInput):
        services.entrustment_suspend(entrustment=entrustment, acting_user=supervisor, reason=" ",
                                     as_of=D(2024, 10, 8))
    entrustment.refresh_from_db()
    assert entrustment.state == Entrustment.State.IN_FORCE


def test_a_suspension_records_its_reason_on_the_agreement_and_in_the_audit(entrustment, supervisor):
    services.entrustment_suspend(entrustment=entrustment, acting_user=supervisor, reason="专用章超范围使用，待查",
                                 as_of=D(2024, 10, 8))
    entrustment.refresh_from_db()
    assert entrustment.state == Entrustment.State.SUSPENDED
    assert entrustment.suspension_reason == "专用章超范围使用，待查"
    assert entries_for(entrustment).filter(action="suspend").get().reason == "专用章超范围使用，待查"


def test_an_agreement_expires_only_after_its_implementation_period(entrustment, supervisor):
    end = entrustment.period_end
    with pytest.raises(ConditionFailed):
        services.entrustment_transition(entrustment=entrustment, action="expire", acting_user=supervisor, as_of=end)
    services.entrustment_transition(entrustment=Entrustment.objects.get(pk=entrustment.pk), action="expire",
                                    acting_user=supervisor, as_of=end + dt.timedelta(days=1))
    assert Entrustment.objects.get(pk=entrustment.pk).state == Entrustment.State.EXPIRED


def test_revocation_needs_a_lawful_reason(entrustment, supervisor):
    with pytest.raises(InvalidInput):
        services.entrustment_revoke(entrustment=entrustment, acting_user=supervisor, reason="", details="x",
                                    as_of=D(2024, 10, 8))
    with pytest.raises(InvalidInput):
        services.entrustment_revoke(entrustment=entrustment, acting_user=supervisor, reason="seal_beyond_scope",
                                    details=" ", as_of=D(2024, 10, 8))


def test_revocation_recovers_the_seal_and_blocks_decisions(entrustment, power, clerk, supervisor):
    case = register_case(power, clerk=clerk, received_on=D(2024, 10, 8))
    services.entrustment_revoke(entrustment=entrustment, acting_user=supervisor, reason="seal_beyond_scope",
                                details="在委托范围外加盖专用章", as_of=D(2024, 10, 8))
    assert ApprovalSeal.objects.get().recovered_on == D(2024, 10, 8)
    with pytest.raises(ConditionFailed):
        services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 10, 9))
    assert ApprovalCase.objects.get(pk=case.pk).state == ApprovalCase.State.SUBMITTED


def test_a_suspended_entrustment_blocks_decisions_until_reinstated(entrustment, power, clerk, supervisor):
    case = register_case(power, clerk=clerk, received_on=D(2024, 10, 8))
    services.entrustment_suspend(entrustment=entrustment, acting_user=supervisor, reason="专用章超范围使用，待查",
                                 as_of=D(2024, 10, 8))
    with pytest.raises(ConditionFailed):
        services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 10, 9))
    services.entrustment_transition(entrustment=entrustment, action="reinstate", acting_user=supervisor)
    services.case_accept(case=ApprovalCase.objects.get(pk=case.pk), acting_user=clerk, as_of=D(2024, 10, 9))


def test_a_decision_before_the_seal_was_issued_is_refused(power, clerk, supervisor):
    from tests.approvals.factories import entrustment_in_force

    entrustment_in_force([power], supervisor=supervisor, seal_issued_on=D(2024, 10, 10))
    case = register_case(power, clerk=clerk, received_on=D(2024, 10, 8))
    with pytest.raises(ConditionFailed):
        services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 10, 9))


def test_a_decision_outside_the_implementation_period_is_refused(power, clerk, supervisor, entrustment):
    Entrustment.objects.filter(pk=entrustment.pk).update(period_end=D(2024, 10, 8))
    case = register_case(power, clerk=clerk, received_on=D(2024, 10, 8))
    with pytest.raises(ConditionFailed):
        services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 10, 9))


def test_a_replaced_seal_stamps_until_recovered_and_its_successor_after(power, supervisor):
    from approvals.models import seals_by_power_and_district
    from tests.approvals.factories import entrustment_in_force

    entrustment = entrustment_in_force([power], supervisor=supervisor)
    old = entrustment.seals.get()
    ApprovalSeal.objects.filter(pk=old.pk).update(recovered_on=D(2024, 10, 10))
    new = ApprovalSeal.objects.create(entrustment=entrustment, name="新章", issued_on=D(2024, 10, 10))
    district = entrustment.authority.district_id
    assert seals_by_power_and_district(D(2024, 10, 9), [district]) == {(power.pk, district): old}
    assert seals_by_power_and_district(D(2024, 10, 10), [district]) == {(power.pk, district): new}


def test_seals_are_answered_for_each_power_of_an_entrustment_and_no_other_district(power, supervisor):
    from approvals.models import seals_by_power_and_district
    from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force

    other = DelegatedPowerFactory(agency=power.agency)
    entrustment = entrustment_in_force([power, other], supervisor=supervisor)
    district = entrustment.authority.district_id
    seal = entrustment.seals.get()
    assert seals_by_power_and_district(D(2024, 10, 9), [district]) == {(power.pk, district): seal,
                                                                       (other.pk, district): seal}
    assert seals_by_power_and_district(D(2024, 10, 9), [district + 1000]) == {}


def test_seals_asked_for_some_powers_answer_those_only(power, supervisor):
    from approvals.models import seals_by_power_and_district
    from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force

    other = DelegatedPowerFactory(agency=power.agency)
    entrustment = entrustment_in_force([power, other], supervisor=supervisor)
    district = entrustment.authority.district_id
    assert seals_by_power_and_district(D(2024, 10, 9), [district], [other.pk]) == {
        (other.pk, district): entrustment.seals.get()}
