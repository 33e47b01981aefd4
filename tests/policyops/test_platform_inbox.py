"""The inbox (opening a notification marks it read) and policyops's own home panels."""
import datetime as dt
import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from policyops.models import District, Notification, OfficialCalendarYear
from policyops.roles import Role
from tests.conftest import make_user

_keys = itertools.count()


def notification(user, *, url="", status=Notification.Status.SENT, channel=Notification.Channel.INBOX, **extra):
    district = District.objects.first()
    return Notification.objects.create(
        recipient=user, kind="test", content_type=ContentType.objects.get_for_model(District),
        object_id=str(district.pk), due_date=dt.date(2026, 1, 1) + dt.timedelta(days=next(_keys)), channel=channel,
        subject="提醒", url=url, status=status, created_at=timezone.now(), **extra)


@pytest.fixture
def clerk(seeded):
    return make_user(Role.CLERK)


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, clerk):
    n = notification(clerk, url="/approvals/")
    client.force_login(clerk)
    response = client.get(reverse("policyops:inbox_open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/approvals/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_a_notification_without_a_link_opens_the_inbox(client, clerk):
    n = notification(clerk)
    client.force_login(clerk)
    response = client.get(reverse("policyops:inbox_open", args=[n.pk]))
    assert response["Location"] == reverse("policyops:inbox")


def test_a_link_to_another_site_is_not_followed(client, clerk):
    n = notification(clerk, url="https://evil.example.com/")
    client.force_login(clerk)
    response = client.get(reverse("policyops:inbox_open", args=[n.pk]))
    assert response["Location"] == reverse("policyops:inbox")


def test_someone_elses_notification_is_not_found_and_stays_unread(client, clerk):
    other = make_user(Role.CLERK)
    n = notification(other, url="/approvals/")
    client.force_login(clerk)
    assert client.get(reverse("policyops:inbox_open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_the_inbox_links_each_subject_through_the_open_view_in_a_scrolling_table(client, clerk):
    n = notification(clerk, url="/approvals/")
    client.force_login(clerk)
    html = client.get(reverse("policyops:inbox")).content.decode()
    assert f'href="{reverse("policyops:inbox_open", args=[n.pk])}"' in html
    assert '<div class="table-scroll"><table>' in html


def test_the_inbox_runs_a_constant_number_of_queries(client, clerk, assert_constant_queries):
    client.force_login(clerk)
    assert_constant_queries(client, reverse("policyops:inbox"),
                            lambda n: [notification(clerk) for _ in range(n)])


def test_supervisors_see_reminders_that_could_not_be_sent(client, seeded, supervisor):
    recipient = make_user(Role.CLERK, first_name="", last_name="")
    notification(recipient, channel=Notification.Channel.EMAIL, status=Notification.Status.FAILED,
                 last_error="SMTP refused")
    client.force_login(supervisor)
    response = client.get("/")
    panels = {panel.key: context for panel, context in response.context["panels"]}
    assert panels["failed-notifications"]["total"] == 1
    assert "SMTP refused" in response.content.decode()


def test_the_failed_reminders_panel_is_hidden_when_nothing_failed(client, seeded, supervisor):
    notification(supervisor, channel=Notification.Channel.EMAIL, status=Notification.Status.PENDING)
    client.force_login(supervisor)
    keys = [panel.key for panel, _context in client.get("/").context["panels"]]
    assert "failed-notifications" not in keys


def test_clerks_do_not_get_the_supervisors_panels(client, clerk):
    notification(clerk, channel=Notification.Channel.EMAIL, status=Notification.Status.FAILED)
    client.force_login(clerk)
    keys = [panel.key for panel, _context in client.get("/").context["panels"]]
    assert "failed-notifications" not in keys and "official-calendar" not in keys


def test_the_failed_reminders_panel_runs_a_constant_number_of_queries(client, seeded, supervisor,
                                                                        assert_constant_queries):
    recipient = make_user(Role.CLERK)
    client.force_login(supervisor)
    client.get("/")  # per-process caches (content types, the calendar) are filled on the first page
    assert_constant_queries(client, "/", lambda n: [notification(
        recipient, channel=Notification.Channel.EMAIL, status=Notification.Status.FAILED) for _ in range(n)])


def test_supervisors_are_told_which_years_lack_the_official_calendar(client, seeded, supervisor, monkeypatch):
    from policyops import calendar

    monkeypatch.setattr(calendar, "package_knows_year", lambda year: year < 2027)
    monkeypatch.setattr("policyops.views.timezone.localdate", lambda: dt.date(2026, 12, 1))
    client.force_login(supervisor)
    response = client.get("/")
    panels = {panel.key: context for panel, context in response.context["panels"]}
    assert panels["official-calendar"]["years"] == [2027]
    assert reverse("admin:policyops_calendaroverride_import_official_year") in response.content.decode()


def test_the_calendar_panel_goes_once_the_notice_is_imported(client, seeded, supervisor, monkeypatch):
    from policyops import calendar

    monkeypatch.setattr(calendar, "package_knows_year", lambda year: year < 2027)
    monkeypatch.setattr("policyops.views.timezone.localdate", lambda: dt.date(2026, 12, 1))
    OfficialCalendarYear.objects.create(year=2027, notice="国办发明电〔2026〕X号")
    calendar.clear_cache()
    client.force_login(supervisor)
    keys = [panel.key for panel, _context in client.get("/").context["panels"]]
    assert "official-calendar" not in keys


def test_the_bell_counts_at_most_99_unread_messages(client, clerk, monkeypatch):
    from policyops import notifications

    monkeypatch.setattr(notifications, "UNREAD_SHOWN", 2)
    for n in range(4):
        notifications.notify(recipients=[clerk], kind=f"test.bell{n}", obj=clerk, due_date=dt.date(2024, 1, 1),
                             subject=f"message {n}", now=timezone.now())
    client.force_login(clerk)
    assert client.get("/inbox/").context["unread_notifications"] == "2+"


def test_the_bell_counts_without_sorting_the_unread_messages(clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from policyops import notifications

    with CaptureQueriesContext(connection) as queries:
        notifications.unread_count(clerk)
    # A count stops at UNREAD_SHOWN + 1 rows; sorting first would read the whole unread tail.
    assert "ORDER BY" not in queries.captured_queries[-1]["sql"]


def test_an_inbox_longer_than_the_cap_is_counted_to_the_cap_only(client, clerk, monkeypatch):
    from policyops import views
    from policyops.pagination import CappedPaginator

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    monkeypatch.setattr(CappedPaginator, "cap", 2)
    for _n in range(4):
        notification(clerk)
    client.force_login(clerk)
    response = client.get(reverse("policyops:inbox"))
    assert response.context["page"].paginator.count == 3  # one past the cap, no further
    assert "共3页以上" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner is asked")
def test_the_inbox_reads_its_newest_messages_from_an_index(clerk):
    from policyops import notifications
    from tests import plans

    notification(clerk)
    page = notifications.inbox(clerk).order_by("-created_at", "-id")[:50]
    plan = plans.plan_of(page, off=plans.WHOLE_TABLE_OR_SORT)
    assert "notification_inbox_newest" in plan and "Sort" not in plan, plan


def test_marking_read_ignores_ids_that_name_no_message(client, clerk):
    # A posted id past the database's integer range named no row; it made the UPDATE fail (500).
    n = notification(clerk)
    client.force_login(clerk)
    response = client.post(reverse("policyops:inbox"), {"id": [str(n.pk), "9" * 30, "１", "x"]})
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.read_at is not None
