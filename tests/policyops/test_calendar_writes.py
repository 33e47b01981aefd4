"""Every write of calendar overrides recomputes the open deadlines, in the same transaction:
the admin's 导入 (preview, then confirm), the single-date form, deletions, the official year."""
import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals import services as case_services
from policyops import calendar, services
from policyops.models import CalendarOverride, OfficialCalendarYear
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
HOLIDAY_ON_THE_8TH = "date,is_working_day,name,official,note\n2024-10-08,0,测试假日,0,\n".encode()


@pytest.fixture
def open_case(supervisor):
    """A case accepted on 2024-09-27: 20 working days across National Day end on 2024-10-30."""
    power = DelegatedPowerFactory()
    entrustment_in_force([power], supervisor=supervisor)
    clerk = make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    case_services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    case.refresh_from_db()
    assert case.legal_due_on == D(2024, 10, 30)
    return case


def hidden_inputs(html: str, action: str) -> dict:
    """The hidden inputs of the form posting to ``action``, as a browser would send them."""
    form = re.search(r'<form[^>]*action="%s"[^>]*>(.*?)</form>' % re.escape(action), html, re.S)
    assert form, f"no form posting to {action}"
    inputs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1))
    return dict(inputs)


def test_the_admin_import_moves_an_open_cases_deadline(client, supervisor, open_case):
    client.force_login(supervisor)
    import_url = reverse("admin:policyops_calendaroverride_import")
    preview = client.post(import_url, {"format": "0", "resource": "0",
                                       "import_file": SimpleUploadedFile("日历.csv", HOLIDAY_ON_THE_8TH)})
    assert preview.status_code == 200
    assert preview.context["form"].errors == {}
    # The preview is a dry run: nothing changed yet.
    open_case.refresh_from_db()
    assert open_case.legal_due_on == D(2024, 10, 30) and not CalendarOverride.objects.exists()

    process_url = reverse("admin:policyops_calendaroverride_process_import")
    data = hidden_inputs(preview.content.decode(), process_url)
    assert {"import_file_name", "original_file_name", "format"} <= set(data)
    confirmed = client.post(process_url, data)
    assert confirmed.status_code == 302

    assert CalendarOverride.objects.get(date=D(2024, 10, 8)).is_working_day is False
    assert not calendar.is_working_day(D(2024, 10, 8))
    open_case.refresh_from_db()
    assert open_case.legal_due_on == D(2024, 10, 31)


def test_a_confirmation_names_only_a_file_its_own_preview_stored(client, supervisor, tmp_path, monkeypatch):
    # import-export opened, imported and deleted any file of the temporary folder it was named.
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    bystander = tmp_path / "not_an_upload.csv"
    bystander.write_bytes(HOLIDAY_ON_THE_8TH)
    client.force_login(supervisor)
    response = client.post(reverse("admin:policyops_calendaroverride_process_import"),
                           {"import_file_name": bystander.name, "original_file_name": "c.csv", "format": "0",
                            "resource": "0"})
    assert response.status_code == 302 and bystander.exists() and not CalendarOverride.objects.exists()


def test_a_preview_is_confirmed_only_by_the_user_who_made_it(client, supervisor):
    client.force_login(supervisor)
    upload = SimpleUploadedFile("c.csv", HOLIDAY_ON_THE_8TH)
    preview = client.post(reverse("admin:policyops_calendaroverride_import"),
                          {"format": "0", "resource": "0", "import_file": upload})
    client.force_login(make_user(Role.SUPERVISOR))
    client.post(reverse("admin:policyops_calendaroverride_process_import"), preview.context["confirm_form"].initial)
    assert not CalendarOverride.objects.exists()


def test_the_admin_import_tells_the_deadline_holders_the_changed_dates(client, supervisor):
    seen = []

    def receiver(sender, dates, **kwargs):
        seen.append(dates)

    calendar.calendar_changed.connect(receiver)
    try:
        client.force_login(supervisor)
        preview = client.post(reverse("admin:policyops_calendaroverride_import"),
                              {"format": "0", "resource": "0",
                               "import_file": SimpleUploadedFile("c.csv", HOLIDAY_ON_THE_8TH)})
        assert seen == []
        client.post(reverse("admin:policyops_calendaroverride_process_import"), preview.context["confirm_form"].initial)
    finally:
        calendar.calendar_changed.disconnect(receiver)
    assert seen == [frozenset({D(2024, 10, 8)})]


def test_the_single_date_form_and_deletion_recompute(client, supervisor, open_case):
    client.force_login(supervisor)
    response = client.post(reverse("admin:policyops_calendaroverride_add"),
                           {"date": "2024-10-08", "is_working_day": "", "name": "测试", "note": ""})
    assert response.status_code == 302
    open_case.refresh_from_db()
    assert open_case.legal_due_on == D(2024, 10, 31)
    override = CalendarOverride.objects.get(date=D(2024, 10, 8))
    response = client.post(reverse("admin:policyops_calendaroverride_delete", args=[override.pk]), {"post": "yes"})
    assert response.status_code == 302
    open_case.refresh_from_db()
    assert open_case.legal_due_on == D(2024, 10, 30)


def test_bulk_deletion_recomputes(client, supervisor, open_case):
    override = services.calendar_override_save(override=CalendarOverride(date=D(2024, 10, 8), is_working_day=False))
    open_case.refresh_from_db()
    assert open_case.legal_due_on == D(2024, 10, 31)
    client.force_login(supervisor)
    response = client.post(reverse("admin:policyops_calendaroverride_changelist"),
                           {"action": "delete_selected", "_selected_action": [override.pk], "post": "yes"})
    assert response.status_code == 302
    open_case.refresh_from_db()
    assert open_case.legal_due_on == D(2024, 10, 30)


def test_the_official_year_page_imports_through_the_pipeline(client, supervisor, open_case):
    client.force_login(supervisor)
    content = "date,type,name\n2024-10-08,休,测试\n".encode("gbk")
    response = client.post(reverse("admin:policyops_calendaroverride_import_official_year"),
                           {"year": "2024", "notice": "测试通知", "file": SimpleUploadedFile("2024.csv", content)})
    assert response.status_code == 302
    assert OfficialCalendarYear.objects.filter(year=2024).exists()
    assert CalendarOverride.objects.get(date=D(2024, 10, 8)).official
    open_case.refresh_from_db()
    assert open_case.legal_due_on == D(2024, 10, 31)


def test_the_official_year_page_names_the_cases_whose_deadline_moved(client, supervisor, open_case):
    # Issue 10 item 17: importing a year's notice lists the deadlines that were provisional and moved.
    client.force_login(supervisor)
    content = "date,type,name\n2024-10-08,休,测试\n".encode()
    response = client.post(reverse("admin:policyops_calendaroverride_import_official_year"),
                           {"year": "2024", "notice": "测试通知", "file": SimpleUploadedFile("2024.csv", content)},
                           follow=True)
    assert any(open_case.number in str(m) for m in response.context["messages"])


def test_the_official_year_page_lists_problems_by_line_and_saves_nothing(client, supervisor):
    client.force_login(supervisor)
    content = b"date,type,name\n2027-01-01,\xe4\xbc\x91,x\n2027-13-01,\xe4\xbc\x91,y\n"
    response = client.post(reverse("admin:policyops_calendaroverride_import_official_year"),
                           {"year": "2027", "file": SimpleUploadedFile("2027.csv", content)})
    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert "3" in error and "2027-13-01" in error
    assert not CalendarOverride.objects.exists() and not OfficialCalendarYear.objects.exists()


def test_a_rolled_back_change_leaves_nothing_in_the_cache(supervisor):
    from django.db import transaction

    assert calendar.is_working_day(D(2024, 10, 8))  # cached
    with pytest.raises(RuntimeError), transaction.atomic():
        services.calendar_override_save(override=CalendarOverride(date=D(2024, 10, 8), is_working_day=False))
        assert not calendar.is_working_day(D(2024, 10, 8))  # this transaction sees its own change
        raise RuntimeError("rolled back")
    assert calendar.is_working_day(D(2024, 10, 8))


def test_load_seeds_runs_the_calendar_hook_of_a_calendar_seed_file(seeded, tmp_path, monkeypatch):
    import shutil

    from policyops import seeding
    from policyops.resources import CalendarOverrideResource

    shutil.copytree(seeding.seeds_dir(), tmp_path / "seeds")
    (tmp_path / "seeds" / "calendar_overrides.csv").write_bytes(HOLIDAY_ON_THE_8TH)
    monkeypatch.setitem(seeding._registry, "calendar_overrides.csv",
                        seeding.SeedFile("calendar_overrides.csv", CalendarOverrideResource, 5))
    seen = []

    def receiver(sender, dates, **kwargs):
        seen.append(dates)

    calendar.calendar_changed.connect(receiver)
    try:
        seeding.load_seeds(tmp_path / "seeds")
    finally:
        calendar.calendar_changed.disconnect(receiver)
    assert seen == [frozenset({D(2024, 10, 8)})]
    assert not calendar.is_working_day(D(2024, 10, 8))
