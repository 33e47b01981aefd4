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


# --- the number each use records, and a year's numbers searched (issue 12) ---------------------


def test_a_use_records_the_number_of_the_case_it_stamped(power, entrustment, clerk):
    from approvals import services

    case = register_case(power, clerk=clerk)
    services.case_accept(case=case, acting_user=clerk, as_of=case.received_on)
    assert list(SealUse.objects.filter(case=case).values_list("case_number", flat=True)) == [case.number]


def test_the_log_refuses_a_use_without_its_case_number(power, entrustment, clerk):
    use = _use(register_case(power, clerk=clerk), entrustment.seals.first(), clerk)
    with pytest.raises(IntegrityError), transaction.atomic():
        SealUse.objects.filter(pk=use.pk).update(case_number="")


def _conditions_reading_the_log(queries) -> list[str]:
    """The WHERE clauses of the statements that read the log."""
    return [q["sql"].split(" WHERE ", 1)[1] for q in queries.captured_queries
            if 'FROM "approvals_sealuse"' in q["sql"] and " WHERE " in q["sql"]]


def _case_of_year(power, clerk, year):
    import datetime as dt

    return register_case(power, clerk=clerk, received_on=dt.date(year, 9, 27))


def test_a_years_numbers_find_that_years_uses_newest_first(client, supervisor, power, entrustment, clerk):
    seal = entrustment.seals.first()
    older, newer = _case_of_year(power, clerk, 2023), _case_of_year(power, clerk, 2023)
    _use(_case_of_year(power, clerk, 2024), seal, clerk)
    first = _use(older, seal, clerk)
    later = SealUse.objects.create(seal=seal, case=newer, action=SealUse.STEPS[0],
                                   used_on=newer.received_on.replace(month=12), used_by=clerk)
    client.force_login(supervisor)
    for term in ("PD-2023", "pd-2023", "2023-0"):
        assert _found(client, term) == [later.pk, first.pk], term


def test_a_years_numbers_are_read_from_the_log_alone(client, supervisor, power, entrustment, clerk):
    _use(_case_of_year(power, clerk, 2023), entrustment.seals.first(), clerk)
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse(CHANGELIST), {"q": "PD-2023"})
    conditions = _conditions_reading_the_log(queries)
    assert conditions and all('"approvals_approvalcase"' not in where for where in conditions), conditions


def test_numbers_matching_past_the_cap_are_read_from_the_logs_copy(
        client, supervisor, power, entrustment, clerk, monkeypatch):
    monkeypatch.setattr("approvals.admin.entrustments.COUNT_CAP", 1)
    seal = entrustment.seals.first()
    uses = [_use(register_case(power, clerk=clerk), seal, clerk) for _ in range(3)]
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        found = _found(client, "00")  # digits alone: every number holds them, more than the cap
    assert sorted(found) == sorted(use.pk for use in uses)
    conditions = _conditions_reading_the_log(queries)
    assert conditions and all('"approvals_sealuse"."case_number"' in where and '"approvals_approvalcase"' not in where
                              for where in conditions), conditions


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner is asked")
def test_a_years_uses_are_read_newest_first_from_their_own_index():
    from approvals import selectors

    found = selectors.seal_uses_within_their_year(SealUse.objects.order_by("-used_on", "-id"), "PD-2019")[:100]
    plan = plans.plan_of(found, off=plans.WHOLE_TABLE_OR_SORT)
    assert "sealuse_case_year_newest_first" in plan and "Sort" not in plan, plan


def test_a_term_that_fixes_no_year_is_not_bounded_by_one():
    from approvals import selectors

    assert selectors.seal_uses_within_their_year(SealUse.objects.all(), "2019") is None
    assert selectors.seal_uses_within_their_year(SealUse.objects.all(), "PD-20") is None


def test_a_use_is_named_by_its_steps_label(power, entrustment, clerk):
    # Its page's title and breadcrumb said "PD-… refuse".
    case = register_case(power, clerk=clerk)
    use = SealUse.objects.create(seal=entrustment.seals.first(), case=case, action="refuse",
                                 used_on=case.received_on, used_by=clerk)
    assert str(use).endswith(f"{case.number} 不予受理") and "refuse" not in str(use)


def test_a_uses_page_shows_its_step_by_label(client, supervisor, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    use = SealUse.objects.create(seal=entrustment.seals.first(), case=case, action="forward",
                                 used_on=case.received_on, used_by=clerk)
    client.force_login(supervisor)
    response = client.get(reverse("admin:approvals_sealuse_change", args=[use.pk]))
    fields = {field.field["name"]: field.contents() for fieldset in response.context["adminform"]
              for line in fieldset for field in line}
    assert fields["action_label"] == "报送决定机关" and "forward" not in response.content.decode()
