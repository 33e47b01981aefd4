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


def _use(case, seal, clerk):
    return SealUse.objects.create(seal=seal, case=case, action=SealUse.STEPS[0], used_on=case.received_on,
                                  used_by=clerk)


def _found(client, term) -> list:
    response = client.get(reverse(CHANGELIST), {"q": term})
    assert response.status_code == 200
    return [use.pk for use in response.context["cl"].result_list]


def test_a_search_finds_a_cases_uses_by_its_number_or_a_part_of_it(client, supervisor, power, entrustment, clerk):
    seal = entrustment.seals.first()
    case, other = register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    mine = _use(case, seal, clerk)
    _use(other, seal, clerk)
    client.force_login(supervisor)
    for term in (case.number, case.number.lower(), case.number[-6:]):
        assert _found(client, term) == [mine.pk], term
    assert _found(client, "审批事项") == []  # no seal's text, and no number holds it


def test_a_search_finds_a_seals_uses_by_its_text(client, supervisor, power, entrustment, clerk):
    seal = entrustment.seals.first()
    uses = {_use(register_case(power, clerk=clerk), seal, clerk).pk for _ in range(2)}
    client.force_login(supervisor)
    assert set(_found(client, seal.name[1:5])) == uses


def test_a_search_finds_the_cases_and_seals_before_it_reads_the_log(client, supervisor, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    _use(case, entrustment.seals.first(), clerk)
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse(CHANGELIST), {"q": case.number[-6:]})
    reading_log = [q["sql"] for q in queries.captured_queries if '"approvals_sealuse"' in q["sql"]]
    assert reading_log and not any("LIKE" in sql for sql in reading_log), reading_log


def test_the_log_is_counted_in_its_own_order(client, supervisor):
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse(CHANGELIST))
    (count,) = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "approvals_sealuse" in q["sql"]]
    assert "ORDER BY" in count and "LIMIT 1001" in count
