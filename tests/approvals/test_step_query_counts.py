"""Every step of a case writes it once, in a bounded number of statements (issue 12: ≤ 12)."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import services
from approvals.models import ApprovalCase
from policyops.numbering import next_number
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
D = dt.date
MAX_STATEMENTS = 12


def counted(step, case, **inputs):
    """Run ``step`` on a freshly read case; the statements it ran, savepoints left out."""
    case = ApprovalCase.objects.select_related("power__agency").get(pk=case.pk)  # as the pages read it
    with CaptureQueriesContext(connection) as queries:
        step(case=case, **inputs)
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_each_step_from_correction_to_licence_stays_within_the_bound(power, entrustment, clerk):
    for kind in ("correction", "acceptance", "suspension", "approval"):
        next_number(f"notice-{kind}", 2024)  # each year's first notice creates its sequence row once
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=(("申请书", False),))
    steps = [
        (services.case_request_correction, {"missing": ["申请书"], "as_of": D(2024, 9, 27)}),
        (services.case_resubmit, {"provided": ["申请书"], "as_of": D(2024, 9, 30)}),
        (services.case_accept, {"as_of": D(2024, 9, 30)}),
        (services.case_start_review, {"as_of": D(2024, 10, 8)}),
        (services.case_pause, {"ground": "expert_review", "expected_days": 5, "as_of": D(2024, 10, 9)}),
        (services.case_resume, {"as_of": D(2024, 10, 14)}),
        (services.case_approve, {"reason": "符合条件", "as_of": D(2024, 10, 15)}),
        (services.case_issue_licence, {"licence_number": "平许字〔2024〕第1号", "as_of": D(2024, 10, 16)}),
    ]
    over = {}
    for step, inputs in steps:
        if step is services.case_start_review:
            services.case_claim(case=case, acting_user=clerk)  # a review needs its handler
        statements = counted(step, case, acting_user=clerk, **inputs)
        if len(statements) > MAX_STATEMENTS:
            over[step.__name__] = len(statements)
    assert over == {}
