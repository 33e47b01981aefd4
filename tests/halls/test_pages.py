"""Hall-duty pages: public rota and sign, kiosk, sign-in, my shifts, evaluation, briefing."""
import datetime as dt
import html
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from policyops.models import District, Person
from policyops.roles import Role
from policyops.workflow import condition_message
from policyops.xlsx import XLSX_CONTENT_TYPE
from programs.halls import codes, guards, rules, services
from programs.halls.models import (
    Director,
    DutyShift,
    Evaluation,
    FollowUp,
    HallSettings,
    Problem,
    SignAttempt,
    WorkRecord,
)
from programs.halls.views import public
from tests.conftest import make_user
from tests.halls.conftest import make_director
from tests.halls.factories import (
    DAY,
    DirectorFactory,
    DutyShiftFactory,
    EvaluationFactory,
    ProblemFactory,
    WorkRecordFactory,
    at,
    sign,
)

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = DutyShift.State
PHONE = "13912345678"


def zh(message):
    with translation.override("zh-hans"):
        return str(message)


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def move_to(shift, day):
    DutyShift.objects.filter(pk=shift.pk).update(
        date=day, starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=TZ),
        ends_at=dt.datetime.combine(day, dt.time(17), tzinfo=TZ))
    return DutyShift.objects.get(pk=shift.pk)


@pytest.fixture
def rota(hall, rota_manager):
    """Three directors with phones and e-mails on record, October 2024 published, all on DAY."""
    directors = {"a": make_director(hall, "张局长", "市教育局"), "b": make_director(hall, "李局长", "市教育局"),
                 "c": make_director(hall, "王局长", "市民政局")}
    for key, director in directors.items():
        Person.objects.filter(pk=director.person_id).update(phone=PHONE)
        director.person.user.email = f"{key}-director@example.com"
        director.person.user.save()
    directors["a"].partner = directors["b"]
    directors["a"].save()
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    services.rota_publish(hall=hall, year=2024, month=10, acting_user=rota_manager)
    for director in directors.values():
        move_to(DutyShift.objects.get(director=director), DAY)
    return directors


def shift_of(director):
    return DutyShift.objects.get(director=director)


def code_at(hall, when):
    return codes.current_code(hall.duty_settings.code_secret, when)[0]


# --- Public rota and sign ----------------------------------------------------------------------


def free_on_the_day(director):
    """The director's own shift moved to the day after DAY, so that they may stand in on DAY."""
    move_to(DutyShift.objects.get(director=director), DAY + dt.timedelta(days=1))
    return director


def test_public_rota_shows_names_departments_and_dates_and_nothing_else(client, rota, hall, rota_manager):
    a, b = rota["a"], free_on_the_day(rota["b"])
    services.shift_file_substitution(shift=shift_of(a), substitute=b, reason="参加全市会议",
                                     acting_user=a.person.user, now=at(8, day=DAY - dt.timedelta(days=1)))
    response = client.get(reverse("halls:rota", args=[hall.pk, 2024, 10]))
    assert response.status_code == 200
    page = text(response)
    assert hall.name in page and "2024-10-14" in page
    for name in ("张局长", "李局长", "王局长", "市教育局", "市民政局"):
        assert name in page
    assert "A/B" in page
    assert PHONE not in page and "@example.com" not in page and "参加全市会议" not in page
    for director in rota.values():
        assert director.person.user.username not in page
    for state in (S.PUBLISHED, S.SUBSTITUTED):
        assert zh(DutyShift.State(state).label) not in page


def test_unpublished_months_are_not_public(client, hall, rota_manager):
    make_director(hall, "赵局长")
    services.rota_generate(hall=hall, year=2024, month=11, acting_user=rota_manager)
    page = text(client.get(reverse("halls:rota", args=[hall.pk, 2024, 11])))
    assert "赵局长" not in page


def test_rota_page_for_a_bad_month_or_hall_is_404(client, hall):
    assert client.get(reverse("halls:rota", args=[hall.pk, 2024, 13])).status_code == 404
    assert client.get(reverse("halls:rota", args=[hall.pk + 999, 2024, 10])).status_code == 404


def test_printable_sign_is_an_a4_page_with_the_evaluation_qr(client, rota, hall):
    response = client.get(reverse("halls:rota_print", args=[hall.pk, 2024, 10]))
    page = text(response)
    assert response.status_code == 200
    # The A4 layout is in the page's own stylesheet (a file: the CSP allows no inline style).
    assert 'href="/static/halls/rota_print.css"' in page
    css = Path(finders.find("halls/rota_print.css")).read_text()
    assert "@page" in css and "size:A4" in css and "@media print" in css
    assert "张局长" in page and "市民政局" in page and "<svg" in page
    assert reverse("halls:evaluate", args=[hall.pk]) in page
    assert PHONE not in page and "@example.com" not in page


def _grow_public_rota(hall):
    counter = {"n": 0}

    def grow(n):
        for _i in range(n):
            counter["n"] += 1
            k = counter["n"]
            director = DirectorFactory(hall=hall, name=f"局长{k}", department_name="市测试局", with_user=False,
                                       phone=PHONE)
            substitute = DirectorFactory(hall=hall, name=f"副局长{k}", department_name="市测试局", with_user=False)
            DutyShiftFactory(director=director, date=dt.date(2024, 10, 8) + dt.timedelta(days=k % 20),
                             state=S.SUBSTITUTED if k % 3 == 0 else S.PUBLISHED,
                             substitute=substitute if k % 3 == 0 else None)

    return grow


def test_public_rota_query_count_is_constant(client, hall, assert_constant_queries):
    response = assert_constant_queries(client, reverse("halls:rota", args=[hall.pk, 2024, 10]),
                                       _grow_public_rota(hall))
    assert "局长28" in text(response)


def test_printable_sign_query_count_is_constant(client, hall, assert_constant_queries):
    assert_constant_queries(client, reverse("halls:rota_print", args=[hall.pk, 2024, 10]), _grow_public_rota(hall))


# --- Kiosk ----------------------------------------------------------------------------------


def test_kiosk_with_a_bad_token_is_404(client, hall):
    token = codes.kiosk_token(hall.duty_settings)
    for bad in ("nonsense", f"{hall.pk}:forged", token[:-2] + "xx", f"{hall.pk + 1}:{token.split(':', 1)[1]}"):
        assert client.get(reverse("halls:kiosk", args=[bad])).status_code == 404, bad


def test_kiosk_with_the_halls_token_shows_the_current_code_and_qr(client, hall, clock):
    now = clock(at(9, 3, 20))
    response = client.get(reverse("halls:kiosk", args=[codes.kiosk_token(hall.duty_settings)]))
    page = text(response)
    assert response.status_code == 200
    assert code_at(hall, now) in page and "<svg" in page
    assert 'http-equiv="refresh"' in page
    assert "no-cache" in response["Cache-Control"] and response["Referrer-Policy"] == "no-referrer"


def test_a_new_hall_secret_revokes_the_kiosk_link(client, hall):
    token = codes.kiosk_token(hall.duty_settings)
    HallSettings.objects.filter(pk=hall.duty_settings.pk).update(code_secret="another-secret")
    assert client.get(reverse("halls:kiosk", args=[token])).status_code == 404


# --- Director's phone ------------------------------------------------------------------------


def test_sign_page_needs_a_login(client):
    response = client.get(reverse("halls:sign"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_sign_page_prefills_the_hall_and_code_from_the_qr_link(client, rota, hall):
    client.force_login(rota["a"].person.user)
    response = client.get(reverse("halls:sign") + f"?hall={hall.pk}&code=123456")
    assert response.context["form"].initial == {"action": "sign_in", "hall": str(hall.pk), "code": "123456"}


def test_director_signs_in_and_out_on_the_phone_page(client, rota, hall, clock):
    director = rota["a"]
    client.force_login(director.person.user)
    now = clock(at(9, 5, 10))
    response = client.post(reverse("halls:sign"), {"hall": hall.pk, "code": code_at(hall, now),
                                                   "action": "sign_in"})
    assert response.status_code == 302 and response["Location"] == reverse("halls:my_shifts")
    assert shift_of(director).state == S.SIGNED_IN
    now = clock(at(16, 50, 3))
    client.post(reverse("halls:sign"), {"hall": hall.pk, "code": code_at(hall, now), "action": "sign_out"})
    shift = shift_of(director)
    assert shift.state == S.SIGNED_OUT and shift.minutes_on_duty == 464


def test_a_refused_code_shows_the_services_message(client, rota, hall, clock):
    client.force_login(rota["a"].person.user)
    clock(at(9, 10))
    response = client.post(reverse("halls:sign"), {"hall": hall.pk, "code": code_at(hall, at(9, 0)),
                                                   "action": "sign_in"})
    assert response.status_code == 200
    assert response.context["error"] == zh(services.WRONG_CODE)
    assert zh(services.WRONG_CODE) in text(response)
    assert shift_of(rota["a"]).state == S.PUBLISHED
    assert SignAttempt.objects.get().success is False


def test_signing_outside_the_window_is_a_message_not_a_500(client, rota, hall, clock):
    client.force_login(rota["a"].person.user)
    now = clock(at(8, 30))
    response = client.post(reverse("halls:sign"), {"hall": hall.pk, "code": code_at(hall, now),
                                                   "action": "sign_in"})
    assert response.status_code == 200 and response.context["error"]


def test_my_shifts_lists_the_shift_and_files_an_ab_substitution(client, rota, hall, clock):
    a, b = rota["a"], free_on_the_day(rota["b"])
    client.force_login(a.person.user)
    clock(at(18, day=DAY - dt.timedelta(days=1)))
    response = client.get(reverse("halls:my_shifts"))
    page = text(response)
    assert response.status_code == 200 and hall.name in page
    assert f'<option value="{b.pk}" selected>' in page  # the designated partner
    assert response.context["upcoming"][0]["can_file"]
    response = client.post(reverse("halls:file_substitution", args=[shift_of(a).pk]),
                           {"substitute": b.pk, "reason": "参加全市会议"})
    assert response.status_code == 302
    shift = shift_of(a)
    assert shift.state == S.SUBSTITUTED and shift.substitute == b


def test_filing_after_the_start_shows_the_refusal(client, rota, clock):
    a, b = rota["a"], rota["b"]
    client.force_login(a.person.user)
    clock(at(9, 30))
    response = client.post(reverse("halls:file_substitution", args=[shift_of(a).pk]),
                           {"substitute": b.pk, "reason": "临时有事"}, follow=True)
    assert shift_of(a).state == S.PUBLISHED
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and zh(condition_message(guards.before_start)) in errors[0]


def test_someone_elses_shift_cannot_be_filed(client, rota):
    client.force_login(rota["c"].person.user)
    response = client.post(reverse("halls:file_substitution", args=[shift_of(rota["a"]).pk]),
                           {"substitute": rota["b"].pk, "reason": "x"})
    assert response.status_code == 404


def test_work_record_with_problems(client, rota, hall, clock):
    director = rota["a"]
    sign(director, hall, "sign_in", at(9, 5))
    client.force_login(director.person.user)
    clock(at(12))
    url = reverse("halls:work_record", args=[shift_of(director).pk])
    assert client.get(url).status_code == 200
    data = {"cases": "", "opinions": "群众希望增加周末服务", "problems-TOTAL_FORMS": "2", "problems-INITIAL_FORMS": "0",
            "problems-MIN_NUM_FORMS": "0", "problems-MAX_NUM_FORMS": "1000",
            "problems-0-description": "材料清单不一致", "problems-0-proposal": "统一清单",
            "problems-1-description": "", "problems-1-proposal": ""}
    response = client.post(url, data)
    assert response.status_code == 302
    record = WorkRecord.objects.get(shift=shift_of(director))
    assert record.opinions == "群众希望增加周末服务" and Problem.objects.get(record=record).proposal == "统一清单"
    response = client.post(url, {**data, "cases": "NO-SUCH-CASE"})
    assert response.status_code == 200 and "NO-SUCH-CASE" in text(response)


def test_work_record_only_for_the_director_on_duty(client, rota, hall):
    sign(rota["a"], hall, "sign_in", at(9, 5))
    client.force_login(rota["c"].person.user)
    assert client.get(reverse("halls:work_record", args=[shift_of(rota["a"]).pk])).status_code == 404


# --- Public evaluation -------------------------------------------------------------------------


def evaluate_url(hall):
    return reverse("halls:evaluate", args=[hall.pk])


def test_evaluation_page_sets_a_device_cookie_and_lists_the_five_levels(client, hall):
    response = client.get(evaluate_url(hall))
    assert response.status_code == 200 and public.DEVICE_COOKIE in response.cookies
    page = text(response)
    for _level, label in rules.EVALUATION_LEVELS:
        assert zh(label) in page


def test_evaluation_thanks_and_follow_up_for_dissatisfied(client, rota, hall, clock):
    sign(rota["a"], hall, "sign_in", at(9, 5))
    clock(at(10))
    client.get(evaluate_url(hall))  # the form hands out the device token
    response = client.post(evaluate_url(hall), {"level": 2, "comment": "等待时间长"})
    assert response.status_code == 200
    assert "halls/evaluate_thanks.html" in [t.name for t in response.templates]
    evaluation = Evaluation.objects.get()
    assert evaluation.level == 2 and evaluation.shift == shift_of(rota["a"])
    assert FollowUp.objects.get().evaluation == evaluation
    # The same device cannot rate the shift twice.
    response = client.post(evaluate_url(hall), {"level": 5})
    assert "already rated" in response.context["error"] or "已" in response.context["error"]
    assert Evaluation.objects.count() == 1


def test_a_browser_can_post_the_rating_form(rota, hall, clock):
    # Issue 11 #1: the page's Referrer-Policy decides the Origin a browser sends with its form.
    # "no-referrer" makes Chromium send "Origin: null" (refused by the CSRF check); with
    # "same-origin" it sends the page's own origin, which passes.
    from django.test import Client

    sign(rota["a"], hall, "sign_in", at(9, 5))
    clock(at(10))
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(evaluate_url(hall))
    assert page["Referrer-Policy"] != "no-referrer"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(page)).group(1)
    response = browser.post(evaluate_url(hall), {"level": 5, "csrfmiddlewaretoken": token},
                            HTTP_ORIGIN="http://testserver")
    assert response.status_code == 200 and Evaluation.objects.count() == 1


def test_evaluation_without_a_director_on_duty_shows_the_message(client, hall, clock):
    clock(at(10))
    client.get(evaluate_url(hall))
    response = client.post(evaluate_url(hall), {"level": 5})
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        expected = gettext("No director is on duty at this hall today.")
    assert response.context["error"] == expected and not Evaluation.objects.exists()


def test_evaluation_rate_limit_gives_429(client, rota, hall, clock):
    sign(rota["a"], hall, "sign_in", at(9, 5))
    clock(at(10))
    for i in range(rules.EVALUATION_RATE_LIMIT):
        client.cookies.pop(public.DEVICE_COOKIE, None)  # a new device each time, same address
        client.get(evaluate_url(hall))
        assert client.post(evaluate_url(hall), {"level": 5}).status_code == 200, i
    assert Evaluation.objects.count() == rules.EVALUATION_RATE_LIMIT
    client.cookies.pop(public.DEVICE_COOKIE, None)
    client.get(evaluate_url(hall))
    response = client.post(evaluate_url(hall), {"level": 5})
    assert response.status_code == 429
    assert response.context["error"] == zh(public.TOO_MANY_EVALUATIONS)
    assert Evaluation.objects.count() == rules.EVALUATION_RATE_LIMIT
    # Another address is not limited.
    client.cookies.pop(public.DEVICE_COOKIE, None)
    client.get(evaluate_url(hall), REMOTE_ADDR="10.0.0.9")
    assert client.post(evaluate_url(hall), {"level": 4}, REMOTE_ADDR="10.0.0.9").status_code == 200


# --- Briefing and assessment ------------------------------------------------------------------


@pytest.fixture
def hand_made_month(rota, hall):
    """Oct 2024: 张 signs in 09:05 (on time), 王 09:40 (late), 李 missed; ratings 非常不满意 and 满意."""
    sign(rota["a"], hall, "sign_in", at(9, 5))
    sign(rota["c"], hall, "sign_in", at(9, 40))
    sign(rota["a"], hall, "sign_out", at(16, 55))
    sign(rota["c"], hall, "sign_out", at(16, 56))
    services.evaluation_submit(hall=hall, level=1, comment="", device="d1", now=at(10),
                               shift_id=shift_of(rota["a"]).pk)
    services.evaluation_submit(hall=hall, level=4, comment="", device="d2", now=at(10),
                               shift_id=shift_of(rota["c"]).pk)
    record = WorkRecordFactory(shift=shift_of(rota["a"]))
    ProblemFactory(record=record, description="排队时间长", state=Problem.State.RECTIFIED)
    ProblemFactory(record=record, description="材料不一致")
    services.shifts_close_windows(now=at(17, 30, day=dt.date(2024, 10, 31)))
    return rota


def test_briefing_page_for_a_hand_made_month(client, hand_made_month, hall, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("halls:briefing", args=[2024, 10]) + f"?level=hall:{hall.pk}")
    assert response.status_code == 200
    figures = response.context["figures"]
    summary = {str(label): value for label, value, _ratio in figures["summary"]}
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        assert summary[gettext("shifts due")] == 3 and summary[gettext("served days")] == 2
        assert summary[gettext("attendance rate")] == "66.7%"
        assert summary[gettext("missed shifts")] == 1
        assert summary[gettext("satisfaction rate")] == "50.0%"
        assert summary[gettext("problems raised")] == 2 and summary[gettext("problems rectified")] == 1
    departments = {row["name"]: row for row in figures["departments"]}
    assert departments["市教育局"]["due"] == 2 and departments["市教育局"]["attendance"] == "50.0%"
    assert departments["市民政局"]["done"] == 1 and departments["市民政局"]["punctual"] == 0
    assert figures["under_quota"] == ["李局长"]
    page = text(response)
    assert "<svg" in page and "李局长" in page and "66.7%" in page


def test_briefing_xlsx_contains_the_attendance_figures(client, hand_made_month, hall, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("halls:briefing_xlsx", args=[2024, 10]) + f"?level=hall:{hall.pk}")
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "halls-briefing-2024-10.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    summary, departments, directors, under_quota, evaluations = workbook.worksheets
    values = [row[1] for row in summary.iter_rows(min_row=2, values_only=True)]
    assert "2024-10" in values and 3 in values and 2 in values
    assert any(isinstance(v, float) and abs(v - 0.667) < 1e-9 for v in values)
    rows = {row[0]: row for row in departments.iter_rows(min_row=2, values_only=True)}
    assert rows["市教育局"][1:4] == (2, 1, 0.5) and rows["市民政局"][1:3] == (1, 1)
    assert [row[0] for row in under_quota.iter_rows(min_row=2, values_only=True)] == ["李局长"]
    assert [row[1] for row in evaluations.iter_rows(min_row=2, values_only=True)] == [0, 1, 0, 0, 1]
    assert {row[0] for row in directors.iter_rows(min_row=2, values_only=True)} == {"张局长", "李局长", "王局长"}


def test_briefing_needs_the_permission(client, hall):
    client.force_login(make_user(Role.CLERK))
    assert client.get(reverse("halls:briefing", args=[2024, 10])).status_code == 403


def test_briefing_is_scoped_to_the_users_district(client, hand_made_month, hall):
    other = District.objects.get_or_create(name="莱西市", defaults={"position": 5})[0]
    outsider = make_user(Role.DIRECTOR, district=other)
    client.force_login(outsider)
    assert client.get(reverse("halls:briefing", args=[2024, 10]) + f"?level=hall:{hall.pk}").status_code == 404
    assert client.get(reverse("halls:briefing", args=[2024, 10])
                      + f"?level=district:{hall.district_id}").status_code == 404
    response = client.get(reverse("halls:briefing", args=[2024, 10]))
    assert response.context["briefing"].total.due == 0 and "张局长" not in text(response)
    insider = make_user(Role.DIRECTOR, district=hall.district)
    client.force_login(insider)
    response = client.get(reverse("halls:briefing", args=[2024, 10]) + f"?level=district:{hall.district_id}")
    assert response.context["briefing"].total.due == 3


def _grow_month(hall):
    """n more shifts in October 2024 in every state the briefing counts, with ratings and records."""
    departments = ("市测试一局", "市测试二局", "市测试三局")
    counter = {"n": 0}
    states = [S.SIGNED_OUT, S.SIGNED_IN, S.MISSED, S.SUBSTITUTED, S.PUBLISHED]

    def grow(n):
        for _i in range(n):
            counter["n"] += 1
            k = counter["n"]
            department = departments[k % 3]
            director = DirectorFactory(hall=hall, name=f"局长{k:03d}", department_name=department, with_user=False)
            substitute = DirectorFactory(hall=hall, name=f"副局长{k:03d}", department_name=department,
                                         with_user=False)
            day = dt.date(2024, 10, 8) + dt.timedelta(days=k % 20)
            state = states[k % len(states)]
            signed_in = state in (S.SIGNED_IN, S.SIGNED_OUT)
            starts = dt.datetime.combine(day, dt.time(9), tzinfo=TZ)
            shift = DutyShiftFactory(director=director, date=day, state=state,
                                     substitute=substitute if k % 4 == 0 else None,
                                     signed_in_at=starts + dt.timedelta(minutes=k % 30) if signed_in else None)
            if signed_in:
                EvaluationFactory(shift=shift, level=1 + k % 5, created_at=starts)
                ProblemFactory(record=WorkRecordFactory(shift=shift), description="问题",
                               state=Problem.State.RECTIFIED)

    return grow


def test_briefing_query_count_is_constant(client, hall, supervisor, assert_constant_queries):
    client.force_login(supervisor)
    response = assert_constant_queries(client, reverse("halls:briefing", args=[2024, 10]), _grow_month(hall))
    assert response.context["briefing"].total.due == 28


def test_briefing_xlsx_query_count_is_constant(client, hall, supervisor, assert_constant_queries):
    client.force_login(supervisor)
    assert_constant_queries(client, reverse("halls:briefing_xlsx", args=[2024, 10]), _grow_month(hall))


def test_assessment_page_and_xlsx(client, hand_made_month, hall, supervisor, assert_constant_queries):
    client.force_login(supervisor)
    response = client.get(reverse("halls:assessment", args=[2024]))
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.context["rows"]}
    # 非常不满意 went to 张局长 (市教育局), 满意 to 王局长 (市民政局): each rater chose whom they rated.
    assert rows["市教育局"]["due"] == 2 and rows["市教育局"]["satisfaction"] == "0.0%"
    assert rows["市民政局"]["satisfaction"] == "100.0%"
    workbook = load_workbook(io.BytesIO(client.get(reverse("halls:assessment_xlsx", args=[2024])).content))
    cells = {row[0]: row for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert cells["市教育局"][1] == 2 and cells["市教育局"][-1] == 0 and cells["市民政局"][-1] == 1


def test_assessment_adds_up_each_departments_directors_ratings(hall):
    from programs.halls.selectors import department_assessment

    zhang, li = (DirectorFactory(hall=hall, name=name, department_name="市教育局", with_user=False)
                 for name in ("张局长", "李局长"))
    loner = Director.objects.create(person=Person.objects.create(name="无部门局长"), hall=hall)
    for director, levels in ((zhang, (4, 1)), (li, (5,)), (loner, (2,))):
        shift = DutyShiftFactory(director=director, state=S.SIGNED_OUT)
        for level in levels:
            EvaluationFactory(shift=shift, level=level)
    table = department_assessment(halls=[hall], year=2024, as_of=dt.date(2024, 12, 31))
    assert (table["市教育局"].evaluations, table["市教育局"].satisfied) == (3, 2)
    assert (table["—"].evaluations, table["—"].satisfied) == (1, 0)


def test_assessment_query_count_is_constant(client, hall, supervisor, assert_constant_queries):
    client.force_login(supervisor)
    assert_constant_queries(client, reverse("halls:assessment", args=[2024]), _grow_month(hall))


# --- Demo data ---------------------------------------------------------------------------------


def test_demo_builder_runs_through_the_services_once(seeded):
    import random

    from policyops.demo import ensure_users
    from programs.halls.demo import MARK, build_halls_demo

    users = ensure_users(lambda *args: None)
    log = []
    build_halls_demo(random.Random(2018), users, log.append, today=dt.date(2024, 11, 20))
    directors = Director.objects.select_related("person", "hall")
    assert 24 <= directors.count() <= 28
    edu = directors.get(person__user=users["director_edu"])
    assert edu.hall.name == "市审批服务大厅" and edu.partner.person.department == edu.person.department
    assert all(MARK in d.person.name for d in directors if d != edu)
    assert HallSettings.objects.count() >= 8
    states = set(DutyShift.objects.values_list("state", flat=True))
    assert {S.SIGNED_OUT, S.MISSED, S.PUBLISHED} <= states
    assert not DutyShift.objects.filter(state=S.SCHEDULED).exists()
    assert DutyShift.objects.filter(date__month=10).exists() and DutyShift.objects.filter(date__month=11).exists()
    assert not DutyShift.objects.filter(date__gte=dt.date(2024, 11, 20), state__in=[S.SIGNED_IN, S.SIGNED_OUT]).exists()
    assert Evaluation.objects.exists() and SignAttempt.objects.filter(success=True).exists()
    counts = (Director.objects.count(), DutyShift.objects.count(), Evaluation.objects.count())
    build_halls_demo(random.Random(2018), users, log.append, today=dt.date(2024, 11, 20))
    assert (Director.objects.count(), DutyShift.objects.count(), Evaluation.objects.count()) == counts
    assert "skipped" in log[-1]
