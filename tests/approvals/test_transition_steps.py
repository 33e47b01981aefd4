"""How a step reads and writes the case (issue 12): locked once, brought up to date, the clock
moved only as far as the step moves it, and the daily deemed-acceptance sweep in chunks."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import services
from approvals.models import ApprovalCase
from approvals.services import common
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
D = dt.date
S = ApprovalCase.State


def stored_clock(case):
    return ApprovalCase.objects.filter(pk=case.pk).values(*services.CLOCK_FIELDS).get()


def recomputed_clock(case, as_of):
    """The clock computed from scratch: start day, budget and every suspension read again."""
    fresh = ApprovalCase.objects.select_related("power").get(pk=case.pk)
    services.case_recompute_clock(fresh, as_of=as_of)
    return {f: getattr(fresh, f) for f in services.CLOCK_FIELDS}


def test_every_step_leaves_the_clock_a_full_recomputation_would(power, entrustment, clerk, head):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=(("申请书", False),))
    steps = [
        (services.case_request_correction, {"missing": ["申请书"]}, D(2024, 9, 27)),
        (services.case_resubmit, {}, D(2024, 9, 30)),
        (services.case_accept, {}, D(2024, 9, 30)),
        (services.case_start_review, {}, D(2024, 10, 8)),
        (services.case_pause, {"ground": "hearing", "expected_days": 3}, D(2024, 10, 9)),
        (services.case_resume, {}, D(2024, 10, 14)),
        (services.case_pause, {"ground": "expert_review", "expected_days": 2}, D(2024, 10, 15)),
        (services.case_resume, {}, D(2024, 10, 17)),
        (services.case_extend, {"reason": "需要现场核查"}, D(2024, 10, 18)),
        (services.case_approve, {}, D(2024, 10, 21)),
        (services.case_issue_licence, {"licence_number": "平许字〔2024〕第7号"}, D(2024, 10, 22)),
    ]
    mismatches = []
    for step, inputs, as_of in steps:
        if step is services.case_start_review:
            services.case_claim(case=case, acting_user=clerk)
        user = head if step is services.case_extend else clerk
        step(case=ApprovalCase.objects.select_related("power__agency").get(pk=case.pk), acting_user=user,
             as_of=as_of, **inputs)
        if stored_clock(case) != recomputed_clock(case, as_of):
            mismatches.append(step.__name__)
    assert mismatches == []
    assert ApprovalCase.objects.get(pk=case.pk).state == S.CLOSED


def test_withdrawing_a_paused_case_leaves_the_clock_a_full_recomputation_would(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    services.case_claim(case=case, acting_user=clerk)
    services.case_start_review(case=case, acting_user=clerk, as_of=D(2024, 9, 30))
    services.case_pause(case=case, acting_user=clerk, as_of=D(2024, 10, 8), ground="hearing", expected_days=3)
    services.case_withdraw(case=ApprovalCase.objects.get(pk=case.pk), acting_user=clerk, as_of=D(2024, 10, 10))
    assert stored_clock(case) == recomputed_clock(case, D(2024, 10, 10))
    assert stored_clock(case)["legal_due_on"] is not None  # the pause ended: the clock shows a date again


def test_a_step_on_an_old_copy_keeps_a_follow_up_date_set_meanwhile(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    copy = ApprovalCase.objects.get(pk=case.pk)
    services.case_set_follow_up(case=case, acting_user=clerk, follow_up_on=D(2024, 10, 8), as_of=D(2024, 9, 27))
    services.case_accept(case=copy, acting_user=clerk, as_of=D(2024, 9, 27))
    assert ApprovalCase.objects.get(pk=case.pk).follow_up_on == D(2024, 10, 8)


def test_the_history_row_of_a_step_records_the_row_as_it_is_not_the_old_copy(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    copy = ApprovalCase.objects.get(pk=case.pk)
    services.case_set_follow_up(case=case, acting_user=clerk, follow_up_on=D(2024, 10, 8), as_of=D(2024, 9, 27))
    services.case_accept(case=copy, acting_user=clerk, as_of=D(2024, 9, 27))
    latest = case.history.order_by("-history_id").first()
    assert (latest.state, latest.follow_up_on) == (S.ACCEPTED, D(2024, 10, 8))


def test_a_correction_notice_lists_the_materials_as_they_are_not_a_prefetched_copy(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27),
                         materials=(("申请书", True), ("营业执照", True)))
    page_copy = ApprovalCase.objects.prefetch_related("materials").get(pk=case.pk)
    case.materials.filter(name="营业执照").update(provided=False)  # ticked off by a colleague meanwhile
    services.case_request_correction(case=page_copy, acting_user=clerk, as_of=D(2024, 9, 27), missing=["申请书"])
    body = case.notices.get().body
    assert "1. 申请书" in body and "2. 营业执照" in body


def test_the_deemed_acceptance_sweep_reads_only_cases_whose_window_has_passed(power, entrustment, clerk, monkeypatch):
    past = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))  # window: up to 10 October
    within = register_case(power, clerk=clerk, received_on=D(2024, 10, 9))
    read = []
    recompute = common.case_recompute_clock

    def spy(case, *args, **kwargs):
        read.append(case.number)
        return recompute(case, *args, **kwargs)

    monkeypatch.setattr(common, "case_recompute_clock", spy)
    assert services.cases_start_deemed_clocks(as_of=D(2024, 10, 11)) == 1
    assert read == [past.number]
    assert ApprovalCase.objects.get(pk=within.pk).legal_due_on is None


def test_the_deemed_acceptance_sweep_works_a_chunk_at_a_time(power, entrustment, clerk, monkeypatch):
    cases = [register_case(power, clerk=clerk, received_on=D(2024, 9, 27)) for _ in range(5)]
    monkeypatch.setattr(common, "CHUNK", 2)
    with CaptureQueriesContext(connection) as queries:
        assert services.cases_start_deemed_clocks(as_of=D(2024, 10, 11)) == 5
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "approvals_approvalcase"')]
    assert len(reads) == 4 and all("LIMIT 2" in sql for sql in reads)  # 2 + 2 + 1, then none left
    assert all(c.legal_due_on for c in ApprovalCase.objects.filter(pk__in=[c.pk for c in cases]))


def test_five_steps_from_registration_run_through_the_workflow_door(power, entrustment, clerk):
    from policyops import workflow

    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27),
                         materials=(("申请书", True), ("营业执照", False)))
    services.case_claim(case=case, acting_user=clerk)  # a review needs its handler
    states = []
    for name, inputs in [("request_correction", {}), ("resubmit", {}), ("accept", {}), ("start_review", {}),
                         ("approve", {"reason": "符合条件"})]:
        workflow.perform(case, name, acting_user=clerk, as_of=D(2024, 9, 30), **inputs)
        states.append(ApprovalCase.objects.get(pk=case.pk).state)
    assert states == [S.CORRECTION_REQUESTED, S.RESUBMITTED, S.ACCEPTED, S.UNDER_REVIEW, S.APPROVED]
