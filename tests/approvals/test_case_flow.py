"""The statutory case workflow, transition by transition."""
import datetime as dt

import pytest
from django.utils import translation

from approvals import services
from approvals.models import ApprovalCase, CaseNotice, SealUse
from policyops.audit import entries_for
from policyops.errors import ConditionFailed, IllegalTransition, InvalidInput, NotAllowed, StaleObject
from policyops.workflow import get_action
from tests.approvals.factories import DelegatedPowerFactory, pingdu_hall, register_case

pytestmark = pytest.mark.django_db
D = dt.date
S = ApprovalCase.State


def accepted(case, clerk, head, on=D(2024, 9, 27)):
    services.case_accept(case=case, acting_user=clerk, as_of=on)
    services.case_assign(cases=[case], handler=clerk.person, acting_user=head)
    services.case_start_review(case=case, acting_user=clerk, as_of=on)
    return case


def test_registration_numbers_cases_per_year(power, entrustment, clerk):
    first = register_case(power, clerk=clerk, received_on=D(2026, 1, 5))
    second = register_case(power, clerk=clerk, received_on=D(2026, 1, 5))
    assert (first.number, second.number) == ("PD-2026-000001", "PD-2026-000002")
    assert first.state == S.SUBMITTED
    assert first.first_contact == clerk.person


def test_registration_refuses_a_bad_phone(power, clerk):
    with pytest.raises(InvalidInput) as exc:
        services.case_register(
            power=power, applicant_name="张三", applicant_type="person", applicant_phone="12",
            received_hall=pingdu_hall(),
            first_contact=clerk.person, received_on=D(2024, 1, 2), materials=[("申请书", True)], acting_user=clerk)
    assert exc.value.field == "applicant_phone"
    assert not ApprovalCase.objects.exists()


def test_registration_keeps_a_full_width_phone_in_ascii_digits(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, applicant_phone=" １３８００００１２３４ ")
    assert case.applicant_phone == "13800001234"


def test_registration_refuses_a_phone_that_grows_past_its_column_when_kept(power, entrustment, clerk):
    # 7 digits and 13 squared signs fit 20 characters as typed; NFKC writes each sign as "hPa".
    with pytest.raises(InvalidInput) as exc:
        register_case(power, clerk=clerk, applicant_phone="8888123" + "㍱" * 13)
    assert exc.value.field == "applicant_phone"
    assert not ApprovalCase.objects.exists()


def test_registration_refuses_a_material_name_longer_than_the_checklist_keeps(power, entrustment, clerk):
    # PostgreSQL refused the row with a server error, after the case had been numbered.
    with pytest.raises(InvalidInput) as exc:
        register_case(power, clerk=clerk, materials=[("申请书", True), ("甲" * 201, False)])
    assert exc.value.field == "materials" and "200" in str(exc.value)
    assert not ApprovalCase.objects.exists()


def test_accept_starts_the_clock_across_national_day(case, clerk):
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    case.refresh_from_db()
    assert case.state == S.ACCEPTED
    assert case.accepted_on == D(2024, 9, 27)
    assert case.legal_due_on == D(2024, 10, 30)
    assert case.notices.get().kind == CaseNotice.Kind.ACCEPTANCE


def test_accept_logs_the_seal_use(case, clerk):
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    use = SealUse.objects.get()
    assert (use.case, use.action, use.used_on, use.used_by) == (case, "accept", D(2024, 9, 27), clerk)


def test_a_step_outside_a_request_names_its_actor_in_the_history_row(case, clerk):
    # As a Celery task or a command runs it: no request, so only the service knows who acts.
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    row = case.history.latest("history_id")
    assert (row.state, row.history_user) == (ApprovalCase.State.ACCEPTED, clerk)


def test_correction_lists_every_missing_item_once(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, materials=[("申请书", True), ("营业执照", False), ("场地证明", False)])
    services.case_request_correction(case=case, acting_user=clerk, as_of=D(2024, 9, 30))
    notice = case.notices.get()
    assert notice.kind == CaseNotice.Kind.CORRECTION
    assert "营业执照" in notice.body and "场地证明" in notice.body and "申请书" not in notice.body.split("全部内容")[1]
    with pytest.raises(IllegalTransition):
        services.case_request_correction(case=case, acting_user=clerk, as_of=D(2024, 9, 30))


def test_an_impossible_step_is_named_as_the_user_knows_it(case, clerk):
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    with translation.override("zh-hans"), pytest.raises(IllegalTransition) as refused:
        services.case_refuse(case=case, acting_user=clerk, as_of=D(2024, 9, 27), reason="材料不实", refer_to="市测试委")
    # The action's label, not the method name: "不予受理", never "refuse".
    assert "refuse" not in str(refused.value) and "已受理" in str(refused.value)
    assert str(get_action(case, "refuse").title) in str(refused.value)


def test_correction_after_five_working_days_is_refused(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
    # Working days after Friday 2024-09-27: 09-29 (adjusted Sunday), 09-30, 10-08, 10-09, 10-10.
    with pytest.raises(ConditionFailed):
        services.case_request_correction(case=case, acting_user=clerk, as_of=D(2024, 10, 11))
    services.case_request_correction(case=ApprovalCase.objects.get(pk=case.pk), acting_user=clerk,
                                     as_of=D(2024, 10, 10))


def test_late_acceptance_counts_from_the_receipt_date(case, clerk):
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 10, 15))
    case.refresh_from_db()
    assert case.deemed_accepted and case.accepted_on == D(2024, 9, 27)
    assert case.legal_due_on == D(2024, 10, 30)


def test_resubmitted_case_is_accepted_on_the_day(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, materials=[("营业执照", False)])
    services.case_request_correction(case=case, acting_user=clerk, as_of=D(2024, 9, 30))
    services.case_resubmit(case=case, acting_user=clerk, as_of=D(2024, 10, 14))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 10, 15))
    case.refresh_from_db()
    assert not case.deemed_accepted and case.accepted_on == D(2024, 10, 15)


def test_pause_stops_the_clock_and_resume_moves_the_due_date(case, clerk, head):
    accepted(case, clerk, head)
    services.case_pause(case=case, acting_user=clerk, as_of=D(2024, 10, 10), ground="expert_review", expected_days=5)
    case.refresh_from_db()
    assert case.state == S.PAUSED and case.due_on is None
    services.case_resume(case=case, acting_user=clerk, as_of=D(2024, 10, 17))
    case.refresh_from_db()
    # 10-11, 10-12 (adjusted Saturday), 10-14..10-17: 6 working days did not count.
    assert case.legal_due_on == D(2024, 11, 7)
    assert case.notices.filter(kind=CaseNotice.Kind.SUSPENSION).exists()


def test_extension_adds_ten_working_days_once(case, clerk, head):
    accepted(case, clerk, head)
    services.case_extend(case=case, acting_user=head, as_of=D(2024, 10, 28), reason="需要现场核查")
    case.refresh_from_db()
    assert case.extended and case.legal_due_on == D(2024, 11, 13)
    with pytest.raises(ConditionFailed):
        services.case_extend(case=case, acting_user=head, as_of=D(2024, 10, 29), reason="再次延期")


def test_only_the_head_may_extend(case, clerk, head):
    accepted(case, clerk, head)
    with pytest.raises(NotAllowed):
        services.case_extend(case=case, acting_user=clerk, as_of=D(2024, 10, 28), reason="需要现场核查")


def test_extension_needs_a_reason(case, clerk, head):
    accepted(case, clerk, head)
    with pytest.raises(InvalidInput) as exc:
        services.case_extend(case=case, acting_user=head, as_of=D(2024, 10, 28), reason=" ")
    assert exc.value.field == "reason"


def test_approve_then_issue_the_licence_closes(case, clerk, head):
    accepted(case, clerk, head)
    services.case_approve(case=case, acting_user=clerk, as_of=D(2024, 10, 21))
    case.refresh_from_db()
    assert case.state == S.APPROVED and case.licence_due_on == D(2024, 11, 4)
    services.case_issue_licence(case=case, acting_user=clerk, as_of=D(2024, 10, 22), licence_number="平许〔2024〕1号")
    case.refresh_from_db()
    assert case.state == S.CLOSED and case.due_on is None


def test_deny_names_the_remedies(case, clerk, head):
    accepted(case, clerk, head)
    services.case_deny(case=case, acting_user=clerk, as_of=D(2024, 10, 21), reason="不符合法定条件")
    notice = case.notices.get(kind=CaseNotice.Kind.DENIAL)
    assert "行政复议" in notice.body and "行政诉讼" in notice.body and "不符合法定条件" in notice.body


def test_preliminary_review_is_forwarded_not_decided(entrustment, clerk, head, supervisor):
    from tests.approvals.factories import entrustment_in_force

    prelim = DelegatedPowerFactory(name="律师事务所变更住所初审", item="律师事务所变更住所初审", sub_item="")
    entrustment_in_force([prelim], supervisor=supervisor)
    case = register_case(prelim, clerk=clerk)
    accepted(case, clerk, head)
    with pytest.raises(ConditionFailed):
        services.case_approve(case=case, acting_user=clerk, as_of=D(2024, 10, 21))
    services.case_forward(case=case, acting_user=clerk, as_of=D(2024, 10, 21))
    services.case_record_superior_decision(case=case, acting_user=clerk, as_of=D(2024, 11, 5), decision="approved",
                                           document="青司许〔2024〕8号")
    case.refresh_from_db()
    assert case.state == S.CLOSED and case.superior_decision == "approved"


def test_the_superior_decision_is_audited_in_words(entrustment, clerk, head, supervisor):
    from tests.approvals.factories import entrustment_in_force

    prelim = DelegatedPowerFactory(name="律师事务所变更住所初审", item="律师事务所变更住所初审", sub_item="")
    entrustment_in_force([prelim], supervisor=supervisor)
    case = register_case(prelim, clerk=clerk)
    accepted(case, clerk, head)
    services.case_forward(case=case, acting_user=clerk, as_of=D(2024, 10, 21))
    with translation.override("zh-hans"):
        services.case_record_superior_decision(case=case, acting_user=clerk, as_of=D(2024, 11, 5), decision="denied",
                                               document="青司许〔2024〕9号")
    entry = entries_for(case).get(action="record_superior_decision")
    assert entry.reason == "不予批准 青司许〔2024〕9号"


def test_withdraw_from_any_open_state_closes_an_open_pause(case, clerk, head):
    accepted(case, clerk, head)
    services.case_pause(case=case, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing", expected_days=3)
    services.case_withdraw(case=case, acting_user=clerk, as_of=D(2024, 10, 11))
    case.refresh_from_db()
    assert case.state == S.WITHDRAWN and case.suspensions.get().end == D(2024, 10, 11)
    with pytest.raises(IllegalTransition):
        services.case_withdraw(case=case, acting_user=clerk, as_of=D(2024, 10, 12))


def test_every_step_is_in_the_audit_trail(case, clerk, head):
    accepted(case, clerk, head)
    actions = [e.action for e in entries_for(case).order_by("id")]
    assert actions == ["register", "accept", "assign", "start_review"]


def test_stale_copy_loses(case, clerk):
    other = ApprovalCase.objects.get(pk=case.pk)
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    with pytest.raises(StaleObject):
        services.case_refuse(case=other, acting_user=clerk, as_of=D(2024, 9, 27), reason="x", refer_to="y")
    assert ApprovalCase.objects.get(pk=case.pk).state == S.ACCEPTED


def test_a_second_extension_from_a_stale_copy_is_refused(case, clerk, head):
    accepted(case, clerk, head)
    copy = ApprovalCase.objects.get(pk=case.pk)
    services.case_extend(case=case, acting_user=head, as_of=D(2024, 10, 28), reason="需要现场核查")
    with pytest.raises(StaleObject):
        services.case_extend(case=copy, acting_user=head, as_of=D(2024, 10, 28), reason="再次延期")
    assert case.notices.filter(kind=CaseNotice.Kind.EXTENSION).count() == 1


def test_a_transition_on_a_stale_copy_keeps_a_concurrent_reassignment(case, clerk, head):
    from policyops.roles import Role
    from tests.approvals.factories import pingdu, pingdu_authority
    from tests.conftest import make_user

    accepted(case, clerk, head)
    copy = ApprovalCase.objects.get(pk=case.pk)
    other_clerk = make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())
    services.case_assign(cases=[case], handler=other_clerk.person, acting_user=head)
    services.case_pause(case=copy, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing", expected_days=3)
    assert ApprovalCase.objects.get(pk=case.pk).handler == other_clerk.person


def test_a_prefetched_case_gets_the_right_clock(case, clerk, head):
    from approvals.selectors import case_get

    accepted(case, clerk, head)
    services.case_pause(case=case_get(user=clerk, number=case.number), acting_user=clerk, as_of=D(2024, 10, 10),
                        ground="expert_review", expected_days=5)
    assert ApprovalCase.objects.get(pk=case.pk).legal_due_on is None
    services.case_resume(case=case_get(user=clerk, number=case.number), acting_user=clerk, as_of=D(2024, 10, 17))
    assert ApprovalCase.objects.get(pk=case.pk).legal_due_on == D(2024, 11, 7)


def test_a_closed_case_cannot_be_reassigned(case, clerk, head):
    services.case_withdraw(case=case, acting_user=clerk, as_of=D(2024, 9, 28))
    with pytest.raises(InvalidInput):
        services.case_assign(cases=[case], handler=clerk.person, acting_user=head)


def test_only_a_processing_clerk_can_be_the_handler(case, head):
    with pytest.raises(InvalidInput):
        services.case_assign(cases=[case], handler=head.person, acting_user=head)


def test_a_refusal_logs_the_seal_it_was_stamped_with(case, clerk):
    services.case_refuse(case=case, acting_user=clerk, as_of=D(2024, 9, 27), reason="不属于本机关职权",
                         refer_to="市测试委")
    assert SealUse.objects.get().action == "refuse"


def test_a_non_numeric_pause_length_is_a_clear_error(case, clerk, head):
    accepted(case, clerk, head)
    with pytest.raises(InvalidInput) as exc:
        services.case_pause(case=case, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing", expected_days="五")
    assert exc.value.field == "expected_days"


def test_past_the_correction_window_missing_materials_no_longer_block_acceptance(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
    with pytest.raises(ConditionFailed):
        services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 30))
    services.case_accept(case=ApprovalCase.objects.get(pk=case.pk), acting_user=clerk, as_of=D(2024, 10, 11))
    case.refresh_from_db()
    assert case.deemed_accepted and case.accepted_on == D(2024, 9, 27)


def test_a_step_reads_the_materials_afresh_not_as_a_list_prefetched_them(power, entrustment, clerk):
    from approvals.models import CaseMaterial, prefetched_list

    case = register_case(power, clerk=clerk, materials=[("申请书", True), ("营业执照", False)])
    listed = ApprovalCase.objects.prefetch_related(prefetched_list("materials")).get(pk=case.pk)
    CaseMaterial.objects.filter(case=case, name="申请书").update(provided=False)  # changed after the list was read
    services.case_request_correction(case=listed, acting_user=clerk, as_of=D(2024, 9, 30))
    body = case.notices.get().body.split("全部内容")[1]
    assert "申请书" in body and "营业执照" in body


def test_a_preliminary_reviews_acceptance_notice_gives_its_twenty_days_whatever_the_powers_limit(
        entrustment, clerk, head, supervisor):
    # Art. 43: the review is forwarded within 20 working days; the power's own limit (30 here) runs after it.
    from tests.approvals.factories import entrustment_in_force

    prelim = DelegatedPowerFactory(name="律师事务所变更住所初审", item="律师事务所变更住所初审", sub_item="",
                                   legal_limit_days=30)
    entrustment_in_force([prelim], supervisor=supervisor)
    case = register_case(prelim, clerk=clerk)
    accepted(case, clerk, head)
    body = case.notices.get(kind="acceptance").body
    assert "本机关将在20个工作日内完成初审并报送决定机关" in body


def test_a_preliminary_reviews_promise_may_not_exceed_its_twenty_days():
    from django.core.exceptions import ValidationError

    prelim = DelegatedPowerFactory.build(name="律师事务所变更住所初审", legal_limit_days=30, promised_limit_days=25)
    with pytest.raises(ValidationError) as refused:
        prelim.clean()
    assert "20" in str(refused.value)
    prelim.promised_limit_days = 20
    prelim.clean()


# --- Art. 32: what a refusal (不予受理) may be, and when ------------------------------------------------


def test_a_refusal_of_a_matter_inside_the_scope_needs_no_referral(case, clerk):
    # Art. 32(1): a matter that needs no licence is turned away; there is nowhere else to apply.
    services.case_refuse(case=case, acting_user=clerk, as_of=D(2024, 9, 27), reason="申请事项依法不需要取得行政许可")
    case.refresh_from_db()
    body = case.notices.get(kind="refusal").body
    assert case.state == S.REFUSED and case.refer_to == ""
    assert "决定不予受理。" in body and "请向" not in body


def test_a_deemed_accepted_case_inside_the_scope_cannot_be_refused(power, entrustment, clerk):
    # Art. 32(4) 逾期不告知的，自收到申请材料之日起即为受理: decided, no longer turned away.
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
    with pytest.raises(ConditionFailed) as refused:
        services.case_refuse(case=case, acting_user=clerk, as_of=D(2024, 10, 11), reason="材料不全",
                             refer_to="市测试委")
    assert "即为受理" in str(refused.value)
    case.refresh_from_db()
    assert case.state == S.SUBMITTED and not case.notices.exists()


def test_a_case_within_its_correction_window_can_still_be_refused(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
    services.case_refuse(case=case, acting_user=clerk, as_of=D(2024, 10, 10), reason="申请事项依法不需要取得行政许可")
    case.refresh_from_db()
    assert case.state == S.REFUSED

