"""Edges of policyops.admin (the shared tables' admins, the audit trail's list) and of
policyops.admin_site (the kept app lists), each pinned where the other admin tests do not reach
(found by mutation testing).

The trail's search paths written in PostgreSQL's SQL (search_indexes) run on PostgreSQL only:
mutate policyops/admin.py there (README, *Mutation testing*) for their mutants to be reached."""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalCase
from approvals.rules import PauseGround
from policyops import admin as policyops_admin
from policyops import admin_site, audit, search_indexes, services, timeline
from policyops.admin import AuditEntryAdmin, calendar_warning_years, progress_bar
from policyops.admin_site import PolicyOpsAdminSite, permission_key
from policyops.models import (
    AuditEntry,
    CalendarOverride,
    Indicator,
    IndicatorReading,
    PolicyTask,
)
from policyops.roles import Role
from tests.admin_pages import admin_request, model_admin
from tests.conftest import make_user
from tests.factories import (
    IndicatorFactory,
    IndicatorReadingFactory,
    PolicyTaskFactory,
    UserFactory,
)
from tests.pages import messages_of, zh

pytestmark = pytest.mark.django_db
D = dt.date
IMPORT = "admin:policyops_calendaroverride_import_official_year"
TRAIL = "admin:policyops_auditentry_changelist"


# --- policyops.admin_site ---------------------------------------------------------------------------


def test_a_memo_of_256_app_lists_is_emptied_before_the_next_is_kept(seeded):
    site = PolicyOpsAdminSite(name="scratch")
    site._app_lists.update({("filler", n): admin_site.AppList([]) for n in range(256)})
    kept = site.get_app_list(admin_request(make_user(is_superuser=True)))
    assert list(site._app_lists.values()) == [kept]


def test_a_memo_of_255_app_lists_keeps_every_list(seeded):
    site = PolicyOpsAdminSite(name="scratch")
    site._app_lists.update({("filler", n): admin_site.AppList([]) for n in range(255)})
    site.get_app_list(admin_request(make_user(is_superuser=True)))
    assert len(site._app_lists) == 256


def test_the_staff_flag_is_part_of_an_active_superusers_key(seeded):
    assert permission_key(UserFactory(is_superuser=True, is_staff=True)) != permission_key(
        UserFactory(is_superuser=True, is_staff=False))


def test_an_inactive_superusers_key_is_that_of_its_permissions(seeded):
    user = make_user(is_superuser=True, is_active=False)
    assert permission_key(user) == (False, True, frozenset())


def test_an_active_users_key_without_superuser_names_its_permissions(seeded):
    user = make_user(Role.CLERK)
    active, staff, permissions = permission_key(user)
    assert (active, staff) == (True, True) and permissions == frozenset(user.get_all_permissions())


def test_a_kept_list_carries_an_empty_sidebar_memo(seeded):
    kept = PolicyOpsAdminSite(name="scratch").get_app_list(admin_request(make_user(is_superuser=True)))
    assert kept.sidebar_html == {}


# --- the calendar ------------------------------------------------------------------------------------


def test_the_calendar_warning_names_this_year_and_the_next():
    assert calendar_warning_years(D(2090, 6, 1)) == [2090, 2091]


def _import(client, year="2090"):
    return client.post(reverse(IMPORT), {"year": year, "notice": "测试通知",
                                         "file": SimpleUploadedFile("c.csv", b"date,type,name\n")}, follow=True)


def _report(moved, rows=3):
    return SimpleNamespace(ok=True, rows=lambda: [object()] * rows, moved=moved, problems=[])


@pytest.fixture
def imported(monkeypatch):
    """The import's service, answering with ``.report`` and keeping what it was asked in ``.asked``."""
    service = SimpleNamespace(report=None, asked=[])

    def calendar_import_official_file(**kwargs):
        service.asked.append(kwargs["year"])
        return service.report

    monkeypatch.setattr(services, "calendar_import_official_file", calendar_import_official_file)
    return service


def test_a_user_who_may_not_add_overrides_is_sent_to_the_admins_index(client, seeded):
    client.force_login(make_user(Role.CLERK))
    response = client.get(reverse(IMPORT))
    assert response.status_code == 302 and response.url == reverse("admin:index")


def test_the_import_page_shows_its_form_on_a_get(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse(IMPORT))
    assert response.status_code == 200 and not response.context["form"].is_bound


def test_an_import_says_how_many_dates_it_read_and_goes_to_the_list(client, supervisor, imported):
    imported.report = _report(moved=[], rows=3)
    client.force_login(supervisor)
    response = _import(client)
    assert imported.asked == [2090]
    assert response.redirect_chain[-1][0] == reverse("admin:policyops_calendaroverride_changelist")
    assert messages_of(response, "success") == [zh("The official calendar of %(year)s has been imported "
                                                   "(%(count)s dates); open deadlines were recomputed.",
                                                   year=2090, count=3)]
    assert messages_of(response, "warning") == []


def test_an_import_names_each_of_fifty_moved_deadlines(client, supervisor, imported):
    moved = [f"PD-{n}" for n in range(50)]
    imported.report = _report(moved=moved)
    client.force_login(supervisor)
    [warning] = messages_of(_import(client), "warning")
    assert warning == zh("Deadlines moved (%(count)s): %(items)s", count=50, items="、".join(moved))


def test_an_import_names_the_first_fifty_moved_deadlines_and_counts_all(client, supervisor, imported):
    moved = [f"PD-{n}" for n in range(51)]
    imported.report = _report(moved=moved)
    client.force_login(supervisor)
    [warning] = messages_of(_import(client), "warning")
    assert warning == zh("Deadlines moved (%(count)s): %(items)s", count=51, items="、".join(moved[:50]) + "…")


def test_a_form_with_errors_is_shown_again_without_importing(client, supervisor, imported):
    client.force_login(supervisor)
    response = client.post(reverse(IMPORT), {"year": "1999", "file": SimpleUploadedFile("c.csv", b"x")})
    assert response.status_code == 200 and "year" in response.context["form"].errors
    assert imported.asked == []


def test_changing_an_overrides_date_recomputes_the_date_it_left(client, supervisor, monkeypatch):
    override = services.calendar_override_save(override=CalendarOverride(date=D(2090, 3, 1), is_working_day=False))
    saved = []
    monkeypatch.setattr(services, "calendar_override_save",
                        lambda *, override, previous_date: saved.append((override.date, previous_date)))
    client.force_login(supervisor)
    client.post(reverse("admin:policyops_calendaroverride_change", args=[override.pk]),
                {"date": "2090-03-02", "is_working_day": "", "name": "测试", "note": ""})
    assert saved == [(D(2090, 3, 2), D(2090, 3, 1))]


# --- the ledger --------------------------------------------------------------------------------------


def test_a_missing_share_shows_a_dash_for_a_bar():
    assert progress_bar(None) == "—"


def test_a_share_shows_a_bar_of_its_whole_percent():
    assert progress_bar(Decimal("0.667")) == '<progress max="100" value="66" title="66%"></progress> 66%'


def _listed_indicator(indicator):
    return Indicator.objects.with_latest_reading().get(pk=indicator.pk)


def test_an_indicators_baseline_shows_its_value_and_year():
    assert model_admin(Indicator).baseline(IndicatorFactory(baseline_value=Decimal("100.50"))) == "100.5 (2017)"


def test_an_indicator_without_a_baseline_shows_a_dash():
    assert model_admin(Indicator).baseline(IndicatorFactory(baseline_value=None)) == "—"


def test_an_indicators_target_shows_its_comparator_value_and_year():
    indicator = IndicatorFactory()
    assert model_admin(Indicator).target(indicator) == f"{indicator.target_display} (2022)"


def test_an_indicators_latest_reading_shows_its_value_and_date():
    reading = IndicatorReadingFactory(value=Decimal("150.0"), period_end=D(2019, 6, 30))
    assert model_admin(Indicator).latest(_listed_indicator(reading.indicator)) == "150 (2019-06-30)"


def test_an_indicator_without_readings_shows_a_dash_for_the_latest():
    assert model_admin(Indicator).latest(_listed_indicator(IndicatorFactory())) == "—"


def test_an_indicators_progress_is_the_bar_of_its_latest_reading():
    reading = IndicatorReadingFactory(value=Decimal("150"))  # half way from 100 to 200
    assert model_admin(Indicator).progress(_listed_indicator(reading.indicator)) == progress_bar(Decimal("0.5"))


def test_a_new_reading_is_entered_by_the_user_who_adds_it(supervisor):
    reading = IndicatorReading(indicator=IndicatorFactory(), period_end=D(2019, 1, 1), value=Decimal("1"))
    model_admin(IndicatorReading).save_model(admin_request(supervisor), reading, None, False)
    reading.refresh_from_db()
    assert reading.entered_by == supervisor


def test_a_changed_reading_keeps_who_entered_it(supervisor):
    reading = IndicatorReadingFactory(entered_by=supervisor)
    model_admin(IndicatorReading).save_model(admin_request(UserFactory(is_staff=True)), reading, None, True)
    reading.refresh_from_db()
    assert reading.entered_by == supervisor


# --- policy tasks ------------------------------------------------------------------------------------


def test_a_tasks_text_of_forty_characters_is_shown_whole():
    assert model_admin(PolicyTask).short_text(SimpleNamespace(text="任" * 40)) == "任" * 40


def test_a_longer_tasks_text_is_cut_at_forty_characters():
    assert model_admin(PolicyTask).short_text(SimpleNamespace(text="任" * 40 + "务")) == "任" * 40 + "…"


def test_a_task_past_its_deadline_is_marked_overdue(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2030, 1, 2))
    assert model_admin(PolicyTask).overdue(PolicyTask(deadline=D(2030, 1, 1), state=PolicyTask.State.ASSIGNED))
    assert not model_admin(PolicyTask).overdue(PolicyTask(deadline=D(2030, 1, 2), state=PolicyTask.State.ASSIGNED))


def test_a_tasks_action_page_heads_its_form_with_the_task(supervisor):
    task = PolicyTaskFactory(text="完成边界测试。", deadline=None)
    head = model_admin(PolicyTask).workflow_head(admin_request(supervisor), task)
    assert [(str(label), value) for label, value in head] == [
        (str(PolicyTask._meta.get_field("text").verbose_name), "完成边界测试。"),
        (str(PolicyTask._meta.get_field("lead_unit").verbose_name), task.lead_unit),
        (str(PolicyTask._meta.get_field("deadline").verbose_name), "—"),
        (str(PolicyTask._meta.get_field("state").verbose_name), task.get_state_display())]


def test_a_tasks_audit_trail_field_shows_its_entries(supervisor):
    task = PolicyTaskFactory()
    audit.record(obj=task, action="start", from_state="assigned", to_state="in_progress", reason="边界测试理由")
    assert "边界测试理由" in model_admin(PolicyTask).audit_trail(task)


# --- the audit trail ---------------------------------------------------------------------------------


def _entry(model, **values):
    return AuditEntry(content_type=ContentType.objects.get_for_model(model), **values)


def test_a_trail_rows_action_is_labelled_by_its_models_workflow():
    label = model_admin(AuditEntry).action_label(_entry(PolicyTask, action="start"))
    assert label == timeline.action_label(PolicyTask, "start") != timeline.action_label(AuditEntry, "start")


def test_a_trail_rows_states_are_labelled_by_its_models_choices():
    entry = _entry(PolicyTask, from_state="assigned", to_state="in_progress")
    assert model_admin(AuditEntry).from_state_label(entry) == str(PolicyTask.State.ASSIGNED.label)
    assert model_admin(AuditEntry).to_state_label(entry) == str(PolicyTask.State.IN_PROGRESS.label)


def test_a_trail_rows_coded_reason_is_labelled_by_its_model():
    code, label = PauseGround.CHOICES[0]
    assert model_admin(AuditEntry).reason_label(_entry(ApprovalCase, action="pause", reason=code)) == str(label)


def test_a_trail_rows_long_reason_is_cut_in_the_list():
    shown = model_admin(AuditEntry).reason_label(_entry(AuditEntry, action="admin_change", reason="理" * 200))
    assert len(shown) == AuditEntryAdmin.REASON_IN_LIST and shown.startswith("理" * 150) and not shown.endswith("理")


def test_a_row_of_a_model_gone_is_labelled_as_the_trails_own():
    gone = ContentType.objects.create(app_label="gone", model="vanished")
    entry = AuditEntry(content_type=gone, action="admin_change", from_state="a", to_state="b", reason="r")
    trail = model_admin(AuditEntry)
    assert (trail.action_label(entry), trail.from_state_label(entry), trail.to_state_label(entry),
            trail.reason_label(entry)) == (timeline.action_label(AuditEntry, "admin_change"), "a", "b", "r")


def test_the_action_filter_offers_every_known_action(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse(TRAIL))
    spec = next(s for s in response.context["cl"].filter_specs if getattr(s, "parameter_name", None) == "action")
    assert spec.lookup_choices == timeline.known_actions()


def test_the_object_type_filter_offers_no_blank_choice(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse(TRAIL))
    spec = next(s for s in response.context["cl"].filter_specs if getattr(s, "field_path", None) == "content_type")
    assert spec.include_empty_choice is False
    assert all(key for key, _label in spec.lookup_choices)


@pytest.fixture
def as_on_postgresql(monkeypatch):
    """The trail's PostgreSQL paths, run where their SQL runs (elsewhere the test is skipped); records
    what the admin asked through a case number's serial."""
    if connection.vendor != "postgresql":
        pytest.skip("the audit trail's search paths written in PostgreSQL's SQL")
    asked = []
    real = policyops_admin.contains_through

    def contains_through(field, term, part):
        asked.append((field, term, part))
        return real(field, term, part)

    monkeypatch.setattr(policyops_admin, "contains_through", contains_through)
    return asked


def _found(user, term):
    trail = model_admin(AuditEntry)
    request = admin_request(user, data={"q": term})
    rows, duplicates = trail.get_search_results(request, AuditEntry.objects.all(), term)
    return sorted(entry.object_repr for entry in rows), duplicates


def test_a_whole_case_number_is_asked_through_its_serial_on_postgresql(as_on_postgresql):
    searcher = UserFactory()
    audit.record_event(action="calendar_change", object_repr="PD-2026-000123")
    audit.record_event(action="calendar_change", object_repr="PD-2026-000124")
    assert _found(searcher, " PD-2026-000123 ") == (["PD-2026-000123"], False)
    assert as_on_postgresql == [("object_repr", "PD-2026-000123", "000123"),
                                ("reason", "PD-2026-000123", "000123")]


def test_a_whole_case_number_finds_the_rows_of_a_user_it_names_on_postgresql(as_on_postgresql):
    actor = UserFactory(username="pd-2026-000123")
    audit.record_event(action="calendar_change", object_repr="日历", actor=actor)
    assert _found(UserFactory(), "PD-2026-000123") == (["日历"], False)


def test_a_longer_word_is_not_asked_through_a_serial_on_postgresql(as_on_postgresql):
    audit.record_event(action="calendar_change", object_repr="检索测试")
    assert _found(UserFactory(), "检索测试")[0] == ["检索测试"]
    assert as_on_postgresql == []


def test_a_short_term_is_found_by_the_ids_of_its_rows_on_postgresql(as_on_postgresql):
    audit.record_event(action="calendar_change", object_repr="检索甲")
    audit.record_event(action="calendar_change", object_repr="其他")
    rows, duplicates = model_admin(AuditEntry).get_search_results(
        admin_request(UserFactory()), AuditEntry.objects.all(), "检索")
    assert duplicates is False
    assert "IN (" in str(rows.query)  # narrowed to the ids read first
    assert [entry.object_repr for entry in rows] == ["检索甲"]


def test_a_short_term_with_more_rows_than_the_cap_is_searched_plainly_on_postgresql(as_on_postgresql,
                                                                                    monkeypatch):
    monkeypatch.setattr(policyops_admin, "COUNT_CAP", 1)
    for n in range(2):
        audit.record_event(action="calendar_change", object_repr=f"检索{n}")
    assert _found(UserFactory(), "检索")[0] == ["检索0", "检索1"]


def test_a_users_rows_are_found_by_part_of_the_user_name():
    actor = UserFactory(username="auditor_wang")
    audit.record_event(action="calendar_change", object_repr="日历", actor=actor)
    audit.record_event(action="calendar_change", object_repr="其他")
    assert _found(UserFactory(), "TOR_WA") == (["日历"], False)


def _lies_further_back(term):
    return model_admin(AuditEntry).search_matches_lie_further_back(
        admin_request(UserFactory(), data={"q": term}), AuditEntry.objects.all())


def test_a_words_matches_past_the_newest_rows_lie_further_back(trail_of_years, as_on_postgresql):
    assert _lies_further_back(" 旧年号 ") is True


def test_a_words_matches_among_the_newest_rows_do_not(trail_of_years, as_on_postgresql):
    assert _lies_further_back("新近案") is False


@pytest.mark.parametrize("term", ["旧年", "旧年号 PD-2019", "PD-2019-000001", ""])
def test_a_short_term_several_words_or_a_case_number_are_not_asked_where_matches_lie(
        trail_of_years, as_on_postgresql, term):
    audit.record_event(action="calendar_change", object_repr="PD-2019-000001",
                       at=timezone.make_aware(dt.datetime(2000, 1, 1)))
    assert _lies_further_back(term) is False


def test_matches_are_not_asked_where_they_lie_on_another_database(trail_of_years, monkeypatch):
    monkeypatch.setattr(policyops_admin, "connection", SimpleNamespace(vendor="sqlite"))
    assert _lies_further_back("旧年号") is False


def test_a_search_whose_matches_lie_further_back_is_sorted_apart(trail_of_years, as_on_postgresql):
    trail = model_admin(AuditEntry)
    ordering = trail.list_ordering(admin_request(UserFactory(), data={"q": "旧年号"}), ["-at", "-pk"],
                                   AuditEntry.objects.all())
    assert ordering == search_indexes.ordered_apart(["-at", "-pk"])


def test_a_search_whose_matches_are_among_the_newest_keeps_the_order(trail_of_years, as_on_postgresql):
    ordering = model_admin(AuditEntry).list_ordering(admin_request(UserFactory(), data={"q": "新近案"}),
                                                     ["-at", "-pk"], AuditEntry.objects.all())
    assert ordering == ["-at", "-pk"]


def test_an_order_other_than_newest_first_is_kept(trail_of_years, as_on_postgresql):
    ordering = model_admin(AuditEntry).list_ordering(admin_request(UserFactory(), data={"q": "旧年号"}),
                                                     ["at", "-pk"], AuditEntry.objects.all())
    assert ordering == ["at", "-pk"]


def test_the_trail_lists_matches_that_lie_further_back_newest_first(client, trail_of_years, as_on_postgresql):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse(TRAIL), {"q": "旧年号"})
    assert [entry.object_repr for entry in response.context["cl"].result_list] == [
        "旧年号 PD-2019-2", "旧年号 PD-2019-1"]
