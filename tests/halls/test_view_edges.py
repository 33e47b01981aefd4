"""Edges of the hall-duty pages that the journeys in test_pages.py leave open (found by mutation testing)."""
import datetime as dt
import html
import sys
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from approvals import services as approval_services
from approvals.models import ApprovalCase
from policyops.errors import ConditionFailed
from policyops.roles import Role
from programs.halls import codes, selectors
from programs.halls.models import DutyShift, WorkRecord
from programs.halls.views.reports import briefing_figures
from tests.approvals.factories import DelegatedPowerFactory, pingdu_authority
from tests.conftest import make_user
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, DutyShiftFactory, HallFactory, at, sign
from tests.pages import messages_of, zh

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = DutyShift.State


def page_text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def director(hall):
    return make_director(hall, "张局长")


def code_at(hall, when):
    return codes.current_code(hall.duty_settings.code_secret, when)[0]


# --- Signing out on the phone ------------------------------------------------------------------


def sign_out_on_the_page(client, director, hall, clock):
    DutyShiftFactory(director=director, date=DAY)
    sign(director, hall, "sign_in", at(9, 5))
    client.force_login(director.person.user)
    now = clock(at(16, 50))
    return client.post(reverse("halls:sign"), {"hall": hall.pk, "code": code_at(hall, now), "action": "sign_out"},
                       follow=True)


def test_signing_out_tells_the_minutes_on_duty(client, director, hall, clock):
    response = sign_out_on_the_page(client, director, hall, clock)
    assert messages_of(response, "success") == [
        zh("Signed out at %(time)s; %(minutes)s minutes on duty.", time="16:50", minutes=465)]


def test_signing_out_at_the_end_of_the_duty_gives_no_early_departure_warning(client, director, hall, clock):
    response = sign_out_on_the_page(client, director, hall, clock)
    assert DutyShift.objects.get(director=director).left_early is False
    assert messages_of(response, "warning") == []


# --- My shifts ---------------------------------------------------------------------------------


@pytest.fixture
def covered_shift(hall, director):
    """张局长's shift on DAY, covered by 李局长 (A/B)."""
    substitute = make_director(hall, "李局长")
    return DutyShiftFactory(director=director, date=DAY, state=S.SUBSTITUTED, substitute=substitute)


def test_the_substitute_sees_whose_shift_they_cover(client, covered_shift, clock):
    clock(at(8))
    client.force_login(covered_shift.substitute.person.user)
    page = page_text(client.get(reverse("halls:my_shifts")))
    assert zh("(for %(name)s)", name="张局长") in page


def test_the_director_is_not_told_their_own_covered_shift_is_for_them(client, covered_shift, clock):
    clock(at(8))
    client.force_login(covered_shift.director.person.user)
    response = client.get(reverse("halls:my_shifts"))
    assert [row["shift"] for row in response.context["upcoming"]] == [covered_shift]
    assert zh("(for %(name)s)", name="张局长") not in page_text(response)


def test_recent_shifts_reach_back_62_days(client, director, clock):
    clock(at(12))
    for days_ago in (62, 63):
        DutyShiftFactory(director=director, date=DAY - dt.timedelta(days=days_ago), state=S.SIGNED_OUT)
    client.force_login(director.person.user)
    response = client.get(reverse("halls:my_shifts"))
    assert [row["shift"].date for row in response.context["recent"]] == [DAY - dt.timedelta(days=62)]


def test_a_substitution_without_a_reason_goes_back_to_my_shifts_with_the_error(client, hall, director, clock):
    partner = make_director(hall, "李局长")
    shift = DutyShiftFactory(director=director, date=DAY)
    clock(at(18, day=DAY - dt.timedelta(days=1)))
    client.force_login(director.person.user)
    response = client.post(reverse("halls:file_substitution", args=[shift.pk]), {"substitute": partner.pk})
    assert response.status_code == 302 and response["Location"] == reverse("halls:my_shifts")
    assert messages_of(client.get(response["Location"]), "error") == [zh("This field is required.")]
    shift.refresh_from_db()
    assert shift.state == S.PUBLISHED and shift.substitute is None


# --- Work records ------------------------------------------------------------------------------


def work_record_data(cases=""):
    return {"cases": cases, "opinions": "群众希望增加周末服务", "problems-TOTAL_FORMS": "0",
            "problems-INITIAL_FORMS": "0", "problems-MIN_NUM_FORMS": "0", "problems-MAX_NUM_FORMS": "1000"}


@pytest.fixture
def on_duty(client, director, hall, clock):
    """张局长 signed in on DAY and logged in at noon; the URL of the shift's work record."""
    shift = DutyShiftFactory(director=director, date=DAY)
    sign(director, hall, "sign_in", at(9, 5))
    clock(at(12))
    client.force_login(director.person.user)
    return reverse("halls:work_record", args=[shift.pk])


def test_a_case_received_on_another_day_is_an_error_on_the_cases_field(client, on_duty, hall, director):
    pingdu_authority()
    clerk = make_user(Role.CLERK, district=hall.district)
    case = approval_services.case_register(
        power=DelegatedPowerFactory(), applicant_name="测试申请人", applicant_type="organisation",
        applicant_phone="0532-88812345", received_hall=hall, first_contact=clerk.person,
        received_on=DAY - dt.timedelta(days=1), materials=[("申请书", True)], acting_user=clerk)
    ApprovalCase.objects.filter(pk=case.pk).update(first_contact=director.person)  # a case the director may see
    response = client.post(on_duty, work_record_data(case.number))
    assert response.status_code == 200
    assert response.context["form"].errors["cases"] == [
        zh("%(case)s was not received at %(hall)s on %(day)s.", case=case, hall=hall, day=DAY)]
    assert not WorkRecord.objects.exists()


def test_a_refusal_of_no_field_goes_back_to_my_shifts_with_the_message(client, on_duty, monkeypatch):
    # The shift changed between the page's check and the save (another tab signed out, say).
    def refuse(**kwargs):
        raise ConditionFailed("签到后方可填写工作记实")

    monkeypatch.setattr("programs.halls.services.work_record_save", refuse)
    response = client.post(on_duty, work_record_data())
    assert response.status_code == 302 and response["Location"] == reverse("halls:my_shifts")
    assert messages_of(client.get(response["Location"]), "error") == ["签到后方可填写工作记实"]


# --- Reports: which halls ---------------------------------------------------------------------


def briefing(client, user, query=""):
    client.force_login(user)
    return client.get(reverse("halls:briefing", args=[2024, 10]) + query)


def test_a_supervisors_city_scope_is_the_whole_city(client, hall, supervisor):
    assert briefing(client, supervisor).context["scope"].label == zh("Whole city (every hall)")


def test_district_staffs_city_scope_is_every_hall_they_supervise(client, hall):
    staff = make_user(Role.DIRECTOR, district=hall.district)
    assert briefing(client, staff).context["scope"].label == zh("Every hall you supervise")


def test_an_unknown_level_kind_is_the_city(client, hall, supervisor):
    scope = briefing(client, supervisor, f"?level=street:{hall.pk}").context["scope"]
    assert scope.level == "city" and hall in scope.halls and len(scope.halls) > 1


def test_the_levels_offer_only_halls_with_duty_settings(client, hall, supervisor):
    bare = HallFactory(name="无值班设置大厅", duty_settings=None)
    levels = [level for level, _label in briefing(client, supervisor).context["levels"]]
    assert f"hall:{hall.pk}" in levels and f"hall:{bare.pk}" not in levels


# --- Reports: figures --------------------------------------------------------------------------


def test_briefing_figures_count_a_level_nobody_chose_as_none(hall):
    b = selectors.Briefing(year=2024, month=10, halls=[hall], evaluations={5: 2})
    counts = {row["level"]: (row["count"], row["share"]) for row in briefing_figures(b)["evaluations"]}
    assert counts == {1: (0, "0.0%"), 2: (0, "0.0%"), 3: (0, "0.0%"), 4: (0, "0.0%"), 5: (2, "100.0%")}


def test_the_department_chart_draws_attendance_as_a_share_of_a_full_bar(client, hall, supervisor):
    director = make_director(hall, "张局长", "市教育局", with_user=False)
    DutyShiftFactory(director=director, date=dt.date(2024, 10, 8), state=S.SIGNED_OUT,
                     signed_in_at=at(9, 5, day=dt.date(2024, 10, 8)), signed_out_at=at(17, day=dt.date(2024, 10, 8)))
    DutyShiftFactory(director=director, date=dt.date(2024, 10, 9), state=S.MISSED)
    bars = briefing(client, supervisor).context["charts"]["departments"]["bars"]
    assert [(bar["label"], bar["value"], bar["width"]) for bar in bars] == [("市教育局", "50.0%", 160.0)]


# --- The kiosk ---------------------------------------------------------------------------------


def kiosk_page(client, hall):
    return client.get(reverse("halls:kiosk", args=[codes.kiosk_token(hall.duty_settings)]))


def test_the_kiosk_reloads_every_five_seconds_while_its_code_holds(client, hall, clock):
    clock(at(9, 3, 20))  # the code changes at 09:04:00
    assert 'http-equiv="refresh" content="5"' in page_text(kiosk_page(client, hall))


def test_the_kiosk_reloads_when_its_code_changes(client, hall, clock):
    clock(at(9, 3, 57) + dt.timedelta(milliseconds=500))
    assert 'http-equiv="refresh" content="3"' in page_text(kiosk_page(client, hall))


def test_the_kiosk_reloads_after_a_second_in_the_last_second_of_a_code(client, hall, clock):
    clock(at(9, 3, 59) + dt.timedelta(milliseconds=500))
    assert 'http-equiv="refresh" content="1"' in page_text(kiosk_page(client, hall))


def test_the_kiosk_names_todays_directors_on_duty_only(client, hall, director, clock):
    clock(at(9, 3))
    DutyShiftFactory(director=director, date=DAY)
    DutyShiftFactory(director=make_director(hall, "李局长"), date=DAY + dt.timedelta(days=1))
    response = kiosk_page(client, hall)
    assert [row.name for row in response.context["on_duty"]] == ["张局长"]


def test_the_kiosk_names_the_directors_on_duty_on_the_first_of_the_month(client, hall, director, clock):
    first = dt.date(2024, 10, 1)
    clock(at(9, 3, day=first))
    DutyShiftFactory(director=director, date=first)
    assert "张局长（市教育局）" in page_text(kiosk_page(client, hall))


# --- The public evaluation ----------------------------------------------------------------------


def test_the_evaluation_device_cookie_is_out_of_reach_of_scripts(client, hall):
    response = client.get(reverse("halls:evaluate", args=[hall.pk]))
    assert response.cookies["halls_device"]["httponly"] is True


def test_without_the_qrcode_package_the_qr_code_is_an_empty_text(monkeypatch):
    from programs.halls.views.common import qr_svg

    monkeypatch.setitem(sys.modules, "qrcode", None)  # `import qrcode` raises ImportError
    assert qr_svg("https://example.org/halls/") == ""
