"""Issue 10 (hall duty): A/B is a filing, a served day is a day, future shifts are not due,
the annual assessment quantifies all three, every district has a hall (002:1944-1981)."""
import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from policyops.errors import ConditionFailed, InvalidInput
from policyops.models import ServiceHall
from policyops.seeding import seeds_dir
from programs.halls import codes, rules, services
from programs.halls.models import DutyShift, HallSettings, Problem
from programs.halls.selectors import department_assessment, monthly_briefing
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, DutyShiftFactory, EvaluationFactory, ProblemFactory, WorkRecordFactory, at, sign

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = DutyShift.State


@pytest.fixture
def pair(hall):
    return make_director(hall, "张局长"), make_director(hall, "李局长")


# --- 7. A/B is a filing, not an approval ---------------------------------------------------------


def test_a_filed_substitute_signs_in_with_no_supervisor_step(pair, hall):
    # 002:1978 提前报…备案: filed before the shift, the substitute may sign in; silence never blocks.
    a, b = pair
    shift = DutyShiftFactory(director=a, date=DAY)
    services.shift_file_substitution(shift=shift, substitute=b, reason="参加全市会议", acting_user=a.person.user,
                                     now=at(8, day=DAY - dt.timedelta(days=1)))
    assert shift.state == S.SUBSTITUTED and shift.on_duty == b
    sign(b, hall, "sign_in", at(9, 2))
    sign(b, hall, "sign_out", at(16, 50))
    shift.refresh_from_db()
    assert shift.state == S.SIGNED_OUT and shift.served
    assert services.shifts_close_windows(now=at(17, 30)) == {"missed": 0, "flagged": 0}


def test_the_supervisors_and_the_substitute_are_told_of_a_filing(pair, rota_manager):
    # 002:1978 报…备案: the filing goes to the supervisors, who may object; it needs no answer.
    from policyops.models import Notification

    a, b = pair
    shift = DutyShiftFactory(director=a, date=DAY)
    services.shift_file_substitution(shift=shift, substitute=b, reason="开会", acting_user=a.person.user,
                                     now=at(8, day=DAY - dt.timedelta(days=1)))
    told = set(Notification.objects.filter(kind="shift.substitution_filed", channel=Notification.Channel.INBOX)
               .values_list("recipient_id", flat=True))
    assert {rota_manager.pk, b.person.user_id} <= told and a.person.user_id not in told


def test_an_objection_needs_a_reason_and_comes_before_the_shift(pair, rota_manager):
    # 002:1978: supervisors may object to a filing; it reverts to the rostered director.
    a, b = pair
    shift = DutyShiftFactory(director=a, date=DAY)
    services.shift_file_substitution(shift=shift, substitute=b, reason="开会", acting_user=a.person.user,
                                     now=at(8, day=DAY - dt.timedelta(days=1)))
    with pytest.raises(InvalidInput):
        services.shift_object_to_substitution(shift=shift, reason=" ", acting_user=rota_manager, now=at(8))
    with pytest.raises(ConditionFailed):
        services.shift_object_to_substitution(shift=shift, reason="另有安排", acting_user=rota_manager, now=at(9, 30))
    services.shift_object_to_substitution(shift=shift, reason="另有安排", acting_user=rota_manager, now=at(8))
    shift.refresh_from_db()
    assert shift.state == S.PUBLISHED and shift.on_duty == a and shift.objection_reason == "另有安排"


# --- 8. A served day is a day --------------------------------------------------------------------


def test_a_sign_out_minutes_after_the_sign_in_is_an_early_departure_not_a_served_day(pair, hall):
    # 002:1968 每人每月不少于1天; 002:1978 原则上不得离岗.
    a, b = pair
    early = DutyShiftFactory(director=a, date=DAY)
    full = DutyShiftFactory(director=b, date=DAY)
    sign(a, hall, "sign_in", at(9, 1))
    sign(a, hall, "sign_out", at(9, 12))
    sign(b, hall, "sign_in", at(9, 3))
    sign(b, hall, "sign_out", at(16, 10))  # 7 h 07 min ≥ 8 h less the 60-minute tolerance
    early.refresh_from_db()
    full.refresh_from_db()
    assert early.left_early and not early.served
    assert not full.left_early and full.served
    briefing = monthly_briefing(halls=[hall], year=2024, month=10, as_of=dt.date(2024, 11, 1))
    assert (briefing.total.due, briefing.total.done, briefing.total.left_early) == (2, 1, 1)
    assert briefing.under_quota == ["张局长"]
    assessment = department_assessment(halls=[hall], year=2024, as_of=dt.date(2025, 1, 1))
    assert assessment["市教育局"].attendance.done == 1


def test_the_minimum_presence_is_a_setting_of_the_hall(pair, hall):
    # 002:1978 原则上不得离岗: the tolerance is data, per hall.
    a, _b = pair
    HallSettings.objects.filter(hall=hall).update(presence_tolerance_minutes=30)
    shift = DutyShiftFactory(director=a, date=DAY)
    sign(a, hall, "sign_in", at(9))
    sign(a, hall, "sign_out", at(16, 10))  # served with 60 minutes' tolerance, not with 30
    shift.refresh_from_db()
    assert shift.left_early
    assert rules.minimum_presence(dt.timedelta(hours=8), 30) == dt.timedelta(hours=7, minutes=30)


def test_presence_of_exactly_the_minimum_is_a_served_day():
    # 002:1978: the minimum is what a served day needs, no more (found by mutation testing: `>` passed).
    minimum = rules.minimum_presence(dt.timedelta(hours=8), 60)
    signed_in = dt.datetime(2024, 10, 9, 9, 0)
    assert rules.served_a_day(signed_in, signed_in + minimum, minimum)
    assert not rules.served_a_day(signed_in, signed_in + minimum - dt.timedelta(seconds=1), minimum)


def test_the_sign_out_page_warns_of_an_early_departure(client, pair, hall, monkeypatch):
    # 002:1978 原则上不得离岗.
    a, _b = pair
    DutyShiftFactory(director=a, date=DAY)
    sign(a, hall, "sign_in", at(9))
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(9, 20))
    client.force_login(a.person.user)
    code = codes.current_code(hall.duty_settings.code_secret, at(9, 20))[0]
    response = client.post(reverse("halls:sign"), {"hall": hall.pk, "code": code, "action": "sign_out"}, follow=True)
    assert any(m.level_tag == "warning" for m in response.context["messages"])


# --- 9. Future shifts are not due ----------------------------------------------------------------


def test_published_shifts_still_to_come_do_not_lower_the_figures(pair, hall):
    # 002:1980 出勤情况: only shifts whose day has passed (as of the report's date) count.
    a, b = pair
    done = DutyShiftFactory(director=a, date=DAY)
    DutyShiftFactory(director=b, date=dt.date(2024, 10, 28))  # published, later this month
    DutyShiftFactory(director=a, date=dt.date(2024, 11, 11))  # next month's rota, published
    sign(a, hall, "sign_in", at(9))
    sign(a, hall, "sign_out", at(16, 55))
    assert DutyShift.objects.get(pk=done.pk).served
    briefing = monthly_briefing(halls=[hall], year=2024, month=10, as_of=dt.date(2024, 10, 15))
    assert (briefing.total.due, briefing.total.done, briefing.total.attendance_rate) == (1, 1, 1)
    assert briefing.under_quota == []  # 李局长's day is still to come
    year = department_assessment(halls=[hall], year=2024, as_of=dt.date(2024, 10, 15))
    assert year["市教育局"].attendance.due == 1 and year["市教育局"].attendance.attendance_rate == 1
    later = monthly_briefing(halls=[hall], year=2024, month=10, as_of=dt.date(2024, 10, 29))
    assert (later.total.due, later.total.done) == (2, 1) and later.under_quota == ["李局长"]


def test_the_briefing_page_reports_as_of_today(client, pair, hall, supervisor, monkeypatch):
    # 002:1980: the page injects today's date; today's shift is not due before its day has passed.
    a, b = pair
    DutyShiftFactory(director=a, date=DAY)
    DutyShiftFactory(director=b, date=DAY + dt.timedelta(days=1))
    sign(a, hall, "sign_in", at(9))
    sign(a, hall, "sign_out", at(16, 55))
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(8, day=DAY + dt.timedelta(days=1)))
    client.force_login(supervisor)
    briefing = client.get(reverse("halls:briefing", args=[2024, 10])).context["briefing"]
    assert (briefing.total.due, briefing.total.done) == (1, 1)


# --- 10. The annual assessment quantifies all three ------------------------------------------------


def test_the_assessment_shows_attendance_work_records_and_evaluations_per_department(client, hall, supervisor):
    # 002:1980 对出勤情况、工作记实、群众评价等情况进行全面量化评估.
    zhang = make_director(hall, "张局长", "市教育局")
    wang = make_director(hall, "王局长", "市民政局")
    for director, day in ((zhang, DAY), (zhang, dt.date(2024, 11, 11)), (wang, DAY)):
        DutyShiftFactory(director=director, date=day, state=S.SIGNED_OUT, signed_in_at=at(9, day=day),
                         signed_out_at=at(16, 50, day=day))
    DutyShiftFactory(director=wang, date=dt.date(2024, 11, 12), state=S.MISSED)
    record = WorkRecordFactory(shift=DutyShift.objects.get(director=zhang, date=DAY))
    ProblemFactory(record=record, state=Problem.State.RECTIFIED)
    ProblemFactory(record=record)
    EvaluationFactory(shift=record.shift, level=5)
    EvaluationFactory(shift=DutyShift.objects.get(director=wang, date=DAY), level=1)
    client.force_login(supervisor)
    response = client.get(reverse("halls:assessment", args=[2024]))
    rows = {row["name"]: row for row in response.context["rows"]}
    edu, civil = rows["市教育局"], rows["市民政局"]
    assert (edu["due"], edu["done"], edu["records"], edu["problems_found"], edu["problems_rectified"]) == (
        2, 2, 1, 2, 1)
    assert str(edu["records_per_served_day"]) == "0.50" and edu["satisfaction"] == "100.0%"
    assert (civil["due"], civil["done"], civil["missed"], civil["records"], civil["evaluations"]) == (2, 1, 1, 0, 1)
    page = response.content.decode()
    assert "0.50" in page
    workbook = load_workbook(io.BytesIO(client.get(reverse("halls:assessment_xlsx", args=[2024])).content))
    header = [c.value for c in workbook.worksheets[0][1]]
    assert len(header) == 18


# --- 11. Every district has a hall -----------------------------------------------------------------


def _rows(name):
    with (seeds_dir() / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_district_has_its_hall_named_as_the_notice_names_it():
    # 002:1966 市、区（市）审批服务大厅: every 区（市）, the ten of 002:1781-1808.
    districts = [row["name"] for row in _rows("districts.csv")]
    assert {"市南区", "市北区", "李沧区"} <= set(districts) and len(districts) == 10
    halls = {row["district"]: row["name"] for row in _rows("halls.csv") if row["kind"] == "district_hall"}
    assert halls == {d: f"{d}审批服务大厅" for d in districts}


def test_the_seeded_halls_cover_every_district(seeded):
    # 002:1966.
    assert set(ServiceHall.objects.filter(kind=ServiceHall.Kind.DISTRICT_HALL, source="002:1966")
               .values_list("district__name", flat=True)) >= {"市南区", "市北区", "李沧区"}
