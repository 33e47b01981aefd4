import datetime as dt

import pytest

from policyops import calendar, services
from policyops.errors import InvalidInput
from policyops.models import AuditEntry, CalendarOverride, OfficialCalendarYear
from tests.conftest import freeze_localdate

D = dt.date
GOOD = "date,type,name\n2027-01-01,休,元旦\n2027-02-06,班,春节\n2027-02-08,休,春节\n"


# Parsing is a dry run of the import pipeline: it reads the database (existing dates).
pytestmark = pytest.mark.django_db


def test_parse_reads_holidays_and_adjusted_working_days():
    rows = services.parse_official_calendar(GOOD.encode(), year=2027)
    assert rows == [(D(2027, 1, 1), False, "元旦"), (D(2027, 2, 6), True, "春节"), (D(2027, 2, 8), False, "春节")]


def test_parse_reports_every_bad_line_with_its_column():
    bad = "date,type,name\n2027-13-01,休,x\n2026-05-01,休,劳动节\n2027-03-01,放假,x\n"
    with pytest.raises(InvalidInput) as exc:
        services.parse_official_calendar(bad, year=2027)
    text = str(exc.value)
    assert "2" in text and "2027-13-01" in text
    assert "2026-05-01" in text
    assert "放假" in text
    assert len(text.splitlines()) == 3


def test_parse_refuses_a_wrong_header():
    with pytest.raises(InvalidInput):
        services.parse_official_calendar("day,kind\n2027-01-01,休\n", year=2027)


def test_parse_accepts_gbk_as_excel_saves_it():
    rows = services.parse_official_calendar("date,type,name\n2027-01-01,休,元旦\n".encode("gbk"), year=2027)
    assert rows == [(D(2027, 1, 1), False, "元旦")]


def test_parse_refuses_text_that_is_neither_utf8_nor_gbk():
    with pytest.raises(InvalidInput) as exc:
        services.parse_official_calendar(b"date,type,name\n2027-01-01,\xff\xfe\xff,x\n", year=2027)
    assert "GBK" in str(exc.value)


def test_parse_refuses_duplicate_dates():
    with pytest.raises(InvalidInput):
        services.parse_official_calendar("date,type,name\n2027-01-01,休,a\n2027-01-01,班,b\n", year=2027)


@pytest.mark.django_db
def test_import_changes_the_working_days_and_marks_the_year(supervisor):
    rows = services.parse_official_calendar(GOOD, year=2027)
    services.calendar_import_official_year(year=2027, rows=rows, notice="测试通知", acting_user=supervisor)
    assert not is_working(D(2027, 1, 1))
    assert is_working(D(2027, 2, 6))  # a Saturday made a working day
    assert calendar.has_official_calendar(2027)
    assert AuditEntry.objects.filter(action="import_official_calendar", actor=supervisor).count() == 1


def is_working(day):
    return calendar.is_working_day(day)


@pytest.mark.django_db
def test_reimport_replaces_the_years_official_dates(supervisor):
    services.calendar_import_official_year(year=2027, rows=services.parse_official_calendar(GOOD, year=2027),
                                           acting_user=supervisor)
    services.calendar_import_official_year(
        year=2027, rows=[(D(2027, 5, 3), False, "劳动节")], acting_user=supervisor)
    assert set(CalendarOverride.objects.values_list("date", flat=True)) == {D(2027, 5, 3)}
    assert OfficialCalendarYear.objects.filter(year=2027).count() == 1


@pytest.mark.django_db
def test_import_tells_deadline_holders_which_dates_changed(supervisor):
    seen = []

    def recompute(sender, dates, **kwargs):
        # A receiver sees the new calendar already, inside the same transaction.
        seen.append((dates, calendar.add_working_days(D(2026, 12, 31), 1)))

    calendar.calendar_changed.connect(recompute)
    try:
        services.calendar_import_official_year(year=2027, rows=services.parse_official_calendar(GOOD, year=2027),
                                               acting_user=supervisor)
    finally:
        calendar.calendar_changed.disconnect(recompute)
    assert seen == [(frozenset({D(2027, 1, 1), D(2027, 2, 6), D(2027, 2, 8)}), D(2027, 1, 4))]


@pytest.mark.django_db
def test_a_failing_recompute_rolls_the_import_back(supervisor):
    def broken(sender, **kwargs):
        raise RuntimeError("recompute failed")

    calendar.calendar_changed.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            services.calendar_import_official_year(
                year=2027, rows=services.parse_official_calendar(GOOD, year=2027), acting_user=supervisor)
    finally:
        calendar.calendar_changed.disconnect(broken)
    assert not CalendarOverride.objects.exists()
    assert not OfficialCalendarYear.objects.exists()


def test_the_official_year_mark_is_only_read_in_the_admin(client, supervisor):
    from django.urls import reverse

    marker = services.calendar_import_official_year(year=2027, rows=[(D(2027, 1, 1), False, "元旦")],
                                                    acting_user=supervisor)
    client.force_login(supervisor)
    assert client.get(reverse("admin:policyops_officialcalendaryear_changelist")).status_code == 200
    assert client.get(reverse("admin:policyops_officialcalendaryear_change", args=[marker.pk])).status_code == 200
    assert client.get(reverse("admin:policyops_officialcalendaryear_add")).status_code == 403
    client.post(reverse("admin:policyops_officialcalendaryear_change", args=[marker.pk]),
                {"year": 2027, "notice": "改", "imported_by": ""})
    client.post(reverse("admin:policyops_officialcalendaryear_delete", args=[marker.pk]), {"post": "yes"})
    marker.refresh_from_db()
    assert (marker.notice, marker.imported_by) == ("", supervisor)
    # The import itself stays open to the supervisor (the overrides' add permission).
    assert client.get(reverse("admin:policyops_calendaroverride_import_official_year")).status_code == 200


def test_a_missing_years_warning_stands_once_after_a_redirect(client, supervisor, monkeypatch):
    # As a one-time message it was added by the request that redirected and again by the
    # next one: 2027's warning stood twice on the list after any action.
    from django.urls import reverse

    freeze_localdate(monkeypatch, D(2026, 12, 7))
    client.force_login(supervisor)
    url = reverse("admin:policyops_calendaroverride_changelist")
    # An action posted with no row chosen: Django says so and redirects to the list.
    page = client.post(url, {"action": "delete_selected", "index": "0"}, follow=True)
    assert page.redirect_chain and page.content.decode().count("尚未录入2027年的官方日历") == 1
    index = client.get(reverse("admin:index")).content.decode()
    assert index.count("尚未录入2027年的官方日历") == 1 and "立即导入" in index
