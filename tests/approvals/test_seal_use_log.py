"""The seal-use log (印章使用记录): one or two rows per case, so a list of millions (issue 12)."""
import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import ApprovalCase, SealUse
from policyops import workflow
from tests import plans
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:approvals_sealuse_changelist"


def test_every_sealed_step_is_a_step_of_the_case_workflow():
    assert all(workflow.get_action(ApprovalCase, code) for code in SealUse.STEPS)


def test_the_log_refuses_a_use_by_a_step_that_bears_no_seal(power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    seal = entrustment.seals.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SealUse.objects.create(seal=seal, case=case, action="pause", used_on=case.received_on, used_by=clerk)


def test_the_action_filter_offers_the_sealed_steps_without_reading_the_log(client, supervisor):
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse(CHANGELIST)).content.decode()
    assert all(f"?action={code}" in html for code in SealUse.STEPS)
    assert not any("DISTINCT" in q["sql"] for q in queries.captured_queries)


def test_the_log_is_counted_up_to_the_cap_only(client, supervisor):
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse(CHANGELIST))
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "approvals_sealuse" in q["sql"]]
    assert counts and all("LIMIT 1001" in sql for sql in counts), counts


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner is asked")
def test_the_log_reads_its_newest_rows_from_an_index():
    plan = plans.plan_of(SealUse.objects.order_by("-used_on", "-id")[:100], off=plans.WHOLE_TABLE_OR_SORT)
    assert "sealuse_newest_first" in plan and "Sort" not in plan, plan
