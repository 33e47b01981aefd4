"""The workflow kernel on cases: one answer to "what may happen now", one write per step."""
import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import services
from approvals.models import ApprovalCase
from policyops import workflow
from policyops.audit import entries_for
from policyops.calendar import add_working_days
from policyops.numbering import next_number
from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force, register_case
from tests.conftest import freeze_localdate

D = dt.date
S = ApprovalCase.State


def test_admin_and_api_offer_the_same_steps(client, power, entrustment, clerk, monkeypatch):
    freeze_localdate(monkeypatch, D(2024, 9, 27))
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    client.force_login(clerk)
    page = client.get(reverse("admin:approvals_approvalcase_change", args=[case.pk]))
    admin_ready = {b["name"] for b in page.context["workflow_buttons"] if b["ready"]} - {"assign"}
    api = APIClient()
    api.force_authenticate(clerk)
    api_ready = set(api.get(f"/api/approvals/cases/{case.number}/").json()["allowed_transitions"])
    assert admin_ready == api_ready == {"accept", "refuse", "request_correction", "withdraw"}


def test_a_step_the_list_offers_runs_through_the_api(power, entrustment, clerk, monkeypatch):
    freeze_localdate(monkeypatch, D(2024, 9, 27))
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    api = APIClient()
    api.force_authenticate(clerk)
    response = api.post(f"/api/approvals/cases/{case.number}/request_correction/", {"missing": ["申请书"]},
                        format="json")
    assert response.status_code == 200
    assert response.json()["state"] == S.CORRECTION_REQUESTED


def test_blocked_steps_say_why(power, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))  # no entrustment: no seal
    offered = {a.name: a for a in workflow.available_actions(case, clerk, as_of=D(2024, 9, 27))}
    assert offered["accept"].ready is False and "专用章" in offered["accept"].reason
    assert offered["refuse"].ready is True  # the refusal form supplies the reason


def test_structural_conditions_hide_steps_that_can_never_run(clerk, supervisor):
    preliminary = DelegatedPowerFactory(name="测试事项初审")
    entrustment_in_force([preliminary], supervisor=supervisor)
    case = register_case(preliminary, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    case.handler = clerk.person
    case.save(update_fields=["handler"])
    services.case_start_review(case=case, acting_user=clerk, as_of=D(2024, 9, 30))
    names = [a.name for a in workflow.available_actions(case, clerk, as_of=D(2024, 9, 30))]
    assert "forward" in names and "approve" not in names and "deny" not in names


def test_as_of_is_an_argument_never_an_attribute(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    assert not hasattr(case, "as_of")


def test_accept_writes_the_case_once(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    case = ApprovalCase.objects.select_related("power__agency").get(pk=case.pk)  # as the API reads it
    next_number("notice-acceptance", 2024)  # the year's first notice creates its sequence row once
    history_before = case.history.count()
    with CaptureQueriesContext(connection) as queries:
        services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    # The test's own transaction turns the service's BEGIN/COMMIT into savepoints: not counted.
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 12, statements
    assert sum(s.startswith("UPDATE \"approvals_approvalcase\"") for s in statements) == 1
    assert case.history.count() == history_before + 1
    assert [e.action for e in entries_for(case).order_by("id")] == ["register", "accept"]
    case.refresh_from_db()
    assert case.state == S.ACCEPTED and case.due_on == add_working_days(D(2024, 9, 27), 20)


def test_preliminary_review_is_forwarded_within_20_working_days(clerk, supervisor):
    # 行政许可法 Art. 43: the 初审 power's clock is the forwarding limit, and it warns on it.
    preliminary = DelegatedPowerFactory(name="测试事项初审", legal_limit_days=30)
    entrustment_in_force([preliminary], supervisor=supervisor)
    case = register_case(preliminary, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    case.refresh_from_db()
    assert case.legal_due_on == add_working_days(D(2024, 9, 27), 20)
    assert case.due_on == case.legal_due_on
