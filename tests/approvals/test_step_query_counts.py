"""Every step of a case runs a fixed, small number of statements (issue 12).

A step is one transaction: the row locked once (with the read that brings the copy up to
date), what its conditions need, one UPDATE of the case, one history row, one audit row,
and its own side effects (seal use, a notice numbered in one statement, materials,
suspensions). The counts are exact, so that a statement added by mistake fails here.
"""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import services
from approvals.models import ApprovalCase
from policyops.numbering import next_number
from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force, register_case

pytestmark = pytest.mark.django_db
D = dt.date

# lock · case UPDATE · history row · audit row
PLAIN = 4
# … + seal use + number + notice
NOTICE = 2
SEAL_USE = 1
SEAL_LOOKUP = 1


@pytest.fixture(autouse=True)
def sequences_exist():
    # Each year's first notice of a kind creates its sequence row; a later one raises it (the same one statement).
    for kind in ("correction", "acceptance", "suspension", "extension", "approval", "denial", "refusal"):
        next_number(f"notice-{kind}", 2024)


def counted(step, case, **inputs) -> list[str]:
    """Run ``step`` on a freshly read case (as the pages read it); its statements, savepoints left out."""
    case = ApprovalCase.objects.select_related("power__agency").get(pk=case.pk)
    inputs["acting_user"].has_perm("approvals.process_case")  # a request has loaded the user's permissions
    with CaptureQueriesContext(connection) as queries:
        step(case=case, **inputs)
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def counts(steps) -> dict:
    return {step.__name__: len(statements) for step, statements in steps}


def test_from_correction_to_licence(power, entrustment, clerk, head):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=(("申请书", True),))
    run = []
    run.append((services.case_request_correction,
                counted(services.case_request_correction, case, acting_user=clerk, missing=["申请书"],
                        as_of=D(2024, 9, 27))))
    run.append((services.case_resubmit, counted(services.case_resubmit, case, acting_user=clerk,
                                                 provided=["申请书"], as_of=D(2024, 9, 30))))
    run.append((services.case_accept, counted(services.case_accept, case, acting_user=clerk, as_of=D(2024, 9, 30))))
    services.case_claim(case=case, acting_user=clerk)  # a review needs its handler
    run.append((services.case_start_review, counted(services.case_start_review, case, acting_user=clerk,
                                                     as_of=D(2024, 10, 8))))
    run.append((services.case_pause, counted(services.case_pause, case, acting_user=clerk, ground="expert_review",
                                              expected_days=5, as_of=D(2024, 10, 9))))
    run.append((services.case_resume, counted(services.case_resume, case, acting_user=clerk, as_of=D(2024, 10, 14))))
    run.append((services.case_extend, counted(services.case_extend, case, acting_user=head, reason="需要现场核查",
                                               as_of=D(2024, 10, 15))))
    run.append((services.case_approve, counted(services.case_approve, case, acting_user=clerk, reason="符合条件",
                                                as_of=D(2024, 10, 16))))
    run.append((services.case_issue_licence, counted(services.case_issue_licence, case, acting_user=clerk,
                                                      licence_number="平许字〔2024〕第1号", as_of=D(2024, 10, 17))))
    assert counts(run) == {
        # + the materials read and the one marked missing
        "case_request_correction": PLAIN + 2 + NOTICE,
        # + the materials read and the one marked provided
        "case_resubmit": PLAIN + 2,
        # + the materials (a condition) and the seal
        "case_accept": PLAIN + 1 + SEAL_LOOKUP + SEAL_USE + NOTICE,
        "case_start_review": PLAIN,
        # + the suspensions read and the new one
        "case_pause": PLAIN + 2 + NOTICE,
        # + the suspensions read and the open one ended
        "case_resume": PLAIN + 2,
        # + whether the user heads the authority, and the suspensions (the budget moved)
        "case_extend": PLAIN + 2 + NOTICE,
        "case_approve": PLAIN + SEAL_LOOKUP + SEAL_USE + NOTICE,
        "case_issue_licence": PLAIN + SEAL_LOOKUP + SEAL_USE,
    }


def test_refuse_deny_and_withdraw(power, entrustment, clerk):
    refused = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    denied = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=denied, acting_user=clerk, as_of=D(2024, 9, 27))
    services.case_claim(case=denied, acting_user=clerk)
    services.case_start_review(case=denied, acting_user=clerk, as_of=D(2024, 9, 30))
    withdrawn = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    run = [
        (services.case_refuse, counted(services.case_refuse, refused, acting_user=clerk, reason="不属于本机关职权",
                                       refer_to="市测试委", as_of=D(2024, 9, 27))),
        (services.case_deny, counted(services.case_deny, denied, acting_user=clerk, reason="不符合条件",
                                     as_of=D(2024, 10, 8))),
        # + the suspensions read (an open one would be ended)
        (services.case_withdraw, counted(services.case_withdraw, withdrawn, acting_user=clerk, as_of=D(2024, 9, 28))),
    ]
    assert counts(run) == {
        "case_refuse": PLAIN + SEAL_LOOKUP + SEAL_USE + NOTICE,
        "case_deny": PLAIN + SEAL_LOOKUP + SEAL_USE + NOTICE,
        "case_withdraw": PLAIN + 1,
    }


def test_forward_and_record_the_superior_decision(clerk, supervisor):
    preliminary = DelegatedPowerFactory(name="测试事项初审")
    entrustment_in_force([preliminary], supervisor=supervisor)
    case = register_case(preliminary, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    services.case_claim(case=case, acting_user=clerk)
    services.case_start_review(case=case, acting_user=clerk, as_of=D(2024, 9, 30))
    run = [
        (services.case_forward, counted(services.case_forward, case, acting_user=clerk, as_of=D(2024, 10, 8))),
        (services.case_record_superior_decision,
         counted(services.case_record_superior_decision, case, acting_user=clerk, decision="approved",
                 document="青审〔2024〕1号", as_of=D(2024, 10, 9))),
    ]
    assert counts(run) == {
        "case_forward": PLAIN + SEAL_LOOKUP + SEAL_USE,
        "case_record_superior_decision": PLAIN,
    }


def test_a_step_writes_the_case_once_with_one_history_and_one_audit_row(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    statements = counted(services.case_accept, case, acting_user=clerk, as_of=D(2024, 9, 27))
    writes = [s.split(" (")[0].split(" SET ")[0] for s in statements if s.startswith(("UPDATE", "INSERT"))]
    assert writes.count('UPDATE "approvals_approvalcase"') == 1
    assert writes.count('INSERT INTO "approvals_historicalapprovalcase"') == 1
    assert writes.count('INSERT INTO "policyops_auditentry"') == 1
    assert sum("FOR UPDATE" in s or s.startswith('SELECT "approvals_approvalcase"') for s in statements) == 1
