"""policyops.timeline: audit trails in local time, with names and labels (issue 11 #5)."""
import ast
import datetime as dt
import inspect

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import rules, services
from approvals.models import ApprovalCase, AuthorityHead
from policyops import audit, timeline, workflow
from policyops.roles import Role
from tests.approvals.factories import (
    DelegatedPowerFactory,
    entrustment_in_force,
    pingdu,
    pingdu_authority,
    register_case,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def clerk(db):
    return make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())


@pytest.fixture
def paused_case(clerk, supervisor):
    power = DelegatedPowerFactory()
    entrustment_in_force([power], supervisor=supervisor)
    head = make_user(Role.DIRECTOR, district=pingdu(), department=pingdu_authority())
    AuthorityHead.objects.update_or_create(authority=pingdu_authority(), defaults={"person": head.person})
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    services.case_assign(cases=[case], handler=clerk.person, acting_user=head)
    services.case_start_review(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    services.case_pause(case=case, acting_user=clerk, as_of=D(2024, 10, 8), ground="expert_review", expected_days=3)
    case.refresh_from_db()
    return case


def _row(case, code):
    return next(row for row in timeline.timeline(case) if row.code == code)


def test_a_transition_reads_as_its_action_and_state_labels(paused_case):
    row = _row(paused_case, "pause")
    assert row.action == str(workflow.get_action(ApprovalCase, "pause").label)
    assert row.from_state == str(ApprovalCase.State.UNDER_REVIEW.label)
    assert row.to_state == str(ApprovalCase.State.PAUSED.label)
    assert "under_review" not in row.change and "paused" not in row.change


def test_a_coded_reason_reads_as_its_label(paused_case):
    assert _row(paused_case, "pause").reason == str(dict(rules.PauseGround.CHOICES)["expert_review"])


def test_steps_that_are_no_transition_use_the_label_table(paused_case):
    assert _row(paused_case, "register").action == str(timeline.ACTION_LABELS["register"])
    assert _row(paused_case, "assign").action == str(timeline.ACTION_LABELS["assign"])
    assert timeline.action_label(ApprovalCase, "no_such_step") == "no_such_step"


def test_times_are_shown_in_asia_shanghai_whatever_zone_is_active(paused_case, clerk):
    audit.record(obj=paused_case, action="claim", actor=clerk, at=dt.datetime(2024, 10, 9, 2, 30, tzinfo=dt.UTC))
    with timezone.override("UTC"):
        row = _row(paused_case, "claim")
    assert row.when == "2024-10-09 10:30"


def test_the_actor_is_named_by_their_person_record(paused_case, clerk):
    clerk.person.name = "王晓明"
    clerk.person.save()
    assert _row(paused_case, "pause").actor == "王晓明"


def test_the_table_has_column_headers(paused_case):
    html = str(timeline.timeline_html(paused_case, "approvals-audit"))
    assert "<thead>" in html and html.count("<th>") == 5
    assert str(ApprovalCase.State.PAUSED.label) in html


def test_the_admin_case_page_shows_the_timeline_with_headers(client, paused_case, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("admin:approvals_approvalcase_change", args=[paused_case.pk])).content.decode()
    assert '<table class="approvals-audit"><thead>' in html
    assert "under_review→paused" not in html


def test_the_admin_audit_list_shows_labels(client, paused_case, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("admin:policyops_auditentry_changelist")).content.decode()
    assert str(workflow.get_action(ApprovalCase, "pause").label) in html
    assert str(ApprovalCase.State.PAUSED.label) in html


def test_policyops_timeline_imports_no_app():
    tree = ast.parse(inspect.getsource(timeline))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m and m.split(".")[0] in ("approvals", "programs") for m in modules)


def test_the_seal_use_log_names_the_step(client, paused_case, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("admin:approvals_sealuse_changelist")).content.decode()
    assert str(workflow.get_action(ApprovalCase, "accept").label) in html
    assert "?action=accept" in html
