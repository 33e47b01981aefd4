"""Hall-duty admin: rota generation (and its explanation), publishing, moving, A/B filings and objections,
follow-ups."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from policyops.audit import entries_for
from policyops.models import District, ServiceHall
from policyops.roles import Role
from programs.halls import codes, generator, services
from programs.halls.models import Director, DutyShift, Evaluation, FollowUp, HallSettings, SignAttempt
from tests.conftest import make_user, statements_reading
from tests.factories import PersonFactory
from tests.halls.conftest import make_director
from tests.halls.factories import HallFactory, ProblemFactory, UnavailabilityFactory, WorkRecordFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = DutyShift.State
CHANGELIST = "admin:halls_dutyshift_changelist"
GENERATE = "admin:halls_dutyshift_generate"
STEP = "admin:halls_dutyshift_workflow_action"


@pytest.fixture
def three(hall):
    return [make_director(hall, "张局长", "市教育局"), make_director(hall, "李局长", "市教育局"),
            make_director(hall, "王局长", "市民政局")]


def test_generate_rota_page_creates_the_unpublished_month(client, hall, three, rota_manager):
    client.force_login(rota_manager)
    assert client.get(reverse(GENERATE)).status_code == 200
    response = client.post(reverse(GENERATE), {"hall": hall.pk, "year": 2024, "month": 10})
    assert response.status_code == 302 and f"hall__id__exact={hall.pk}" in response["Location"]
    assert DutyShift.objects.filter(hall=hall, state=S.SCHEDULED).count() == 3


def test_generate_rota_page_explains_an_infeasible_month(client, hall, three, rota_manager):
    blocked = three[0]
    for day in generator.working_days_of_month(2024, 11):
        UnavailabilityFactory(director=blocked, date=day)
    client.force_login(rota_manager)
    response = client.post(reverse(GENERATE), {"hall": hall.pk, "year": 2024, "month": 11})
    assert response.status_code == 200
    problems = response.context["problems"]
    assert [name for name, _reason in problems] == ["张局长"]
    page = response.content.decode()
    assert "张局长" in page and str(problems[0][1]) in page
    assert not DutyShift.objects.exists()


def test_generate_rota_page_explains_a_hall_too_small(client, hall, rota_manager):
    HallSettings.objects.filter(hall=hall).update(daily_capacity=0)
    make_director(hall, "赵局长")
    client.force_login(rota_manager)
    response = client.post(reverse(GENERATE), {"hall": hall.pk, "year": 2024, "month": 10})
    assert [name for name, _r in response.context["problems"]] == ["赵局长"]


def test_generate_rota_page_is_for_rota_managers_only(client, hall, three):
    client.force_login(three[0].person.user)
    assert client.get(reverse(GENERATE)).status_code == 403


def test_publish_month_action_uses_the_service(client, hall, three, rota_manager):
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    one = DutyShift.objects.first()
    client.force_login(rota_manager)
    response = client.post(reverse(CHANGELIST), {"action": "publish_months", ACTION_CHECKBOX_NAME: [one.pk]})
    assert response.status_code == 302
    assert set(DutyShift.objects.values_list("state", flat=True)) == {S.PUBLISHED}  # the whole month
    assert entries_for(one).filter(action="publish").exists()


def test_directors_cannot_publish(client, hall, three, rota_manager):
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    client.force_login(three[0].person.user)
    client.post(reverse(CHANGELIST), {"action": "publish_months",
                                      ACTION_CHECKBOX_NAME: list(DutyShift.objects.values_list("pk", flat=True))})
    assert set(DutyShift.objects.values_list("state", flat=True)) == {S.SCHEDULED}


def test_move_an_unpublished_shift(client, hall, three, rota_manager):
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    shift = DutyShift.objects.get(director=three[0])
    target = next(d for d in generator.working_days_of_month(2024, 10)
                  if d != shift.date and not DutyShift.objects.filter(date=d).exists())
    client.force_login(rota_manager)
    url = reverse(STEP, args=[shift.pk, "move"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"_confirm": "1", "date": "2024-10-01"})  # National Day
    assert response.status_code == 200 and "2024-10-01" in response.content.decode()
    response = client.post(url, {"_confirm": "1", "date": target.isoformat()})
    assert response.status_code == 302
    shift.refresh_from_db()
    assert shift.date == target and shift.starts_at == dt.datetime.combine(target, dt.time(9), tzinfo=TZ)


def test_shift_change_page_offers_moves_and_never_saves_a_state(client, hall, three, rota_manager):
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    shift = DutyShift.objects.first()
    client.force_login(make_user(Role.SUPERVISOR, is_superuser=True))
    response = client.get(reverse("admin:halls_dutyshift_change", args=[shift.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse(STEP, args=[shift.pk, "move"]) in page
    assert 'name="state"' not in page and 'name="_save"' not in page
    model_admin = admin.site._registry[DutyShift]
    request = type("R", (), {"user": rota_manager})()
    assert not model_admin.has_add_permission(request) and not model_admin.has_change_permission(request, shift)


@pytest.fixture
def filed(hall, three, rota_manager):
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    services.rota_publish(hall=hall, year=2024, month=10, acting_user=rota_manager)
    shift = DutyShift.objects.get(director=three[0])
    DutyShift.objects.filter(pk=shift.pk).update(
        date=dt.date(2030, 10, 14), starts_at=dt.datetime(2030, 10, 14, 9, tzinfo=TZ),
        ends_at=dt.datetime(2030, 10, 14, 17, tzinfo=TZ))
    shift = DutyShift.objects.get(pk=shift.pk)
    services.shift_file_substitution(shift=shift, substitute=three[1], reason="参加全市会议",
                                     acting_user=three[0].person.user, now=dt.datetime(2030, 10, 1, tzinfo=TZ))
    return shift


def test_a_filing_needs_no_decision_and_supervisors_see_it(client, filed, three, rota_manager):
    # 002:1978 备案: the filing is in force at once; the admin lists it, no approval is offered.
    assert filed.state == S.SUBSTITUTED and filed.on_duty == three[1]
    client.force_login(rota_manager)
    page = client.get(reverse(CHANGELIST) + f"?state__exact={S.SUBSTITUTED}").content.decode()
    assert "李局长" in page
    actions = admin.site._registry[DutyShift].get_actions(type("R", (), {"user": rota_manager, "GET": {}})())
    assert not any("approve" in name or "reject" in name for name in actions)


def test_object_to_a_filing_with_a_reason_notifies_both_directors(client, filed, three, rota_manager):
    # 002:1978: a supervisor may object (with a reason); the rostered director is on duty again.
    from policyops.models import Notification

    client.force_login(rota_manager)
    page = client.get(reverse("admin:halls_dutyshift_change", args=[filed.pk])).content.decode()
    url = reverse(STEP, args=[filed.pk, "object_to_substitution"])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and set(response.context["form"].fields) == {"reason"}
    assert DutyShift.objects.get(pk=filed.pk).state == S.SUBSTITUTED
    client.post(url, {"_confirm": "1", "reason": ""})
    assert DutyShift.objects.get(pk=filed.pk).state == S.SUBSTITUTED  # a reason is required
    client.post(url, {"_confirm": "1", "reason": "李局长当天另有值班安排"})
    filed.refresh_from_db()
    assert filed.state == S.PUBLISHED and filed.substitute is None and filed.on_duty == three[0]
    assert filed.objection_reason == "李局长当天另有值班安排"
    told = set(Notification.objects.filter(kind="shift.substitution_objected", channel=Notification.Channel.INBOX)
               .values_list("recipient_id", flat=True))
    assert told == {three[0].person.user_id, three[1].person.user_id}
    assert entries_for(filed).filter(action="object_to_substitution", reason="李局长当天另有值班安排").exists()


def test_kiosk_link_only_for_rota_managers(client, hall, three, rota_manager):
    url = reverse("admin:halls_hallsettings_change", args=[hall.duty_settings.pk])
    client.force_login(rota_manager)
    assert "/halls/kiosk/" in client.get(url).content.decode()
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))  # may view the settings, not the code
    response = client.get(url)
    assert response.status_code == 200 and "/halls/kiosk/" not in response.content.decode()


def test_director_partner_choices_are_the_same_department(client, hall, three, rota_manager):
    client.force_login(rota_manager)
    response = client.get(reverse("admin:halls_director_change", args=[three[0].pk]))
    choices = list(response.context["adminform"].form.fields["partner"].queryset)
    assert choices == [three[1]]


def options_of(page, name):
    """The option values of the select called ``name`` in the HTML ``page``."""
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"', select.group(0))


def director_search(client, model_name, field_name, term=""):
    """The names the admin's director search (autocomplete) offers for ``model_name.field_name``."""
    response = client.get(reverse("admin:autocomplete"), {"app_label": "halls", "model_name": model_name,
                                                          "field_name": field_name, "term": term})
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_a_new_directors_partner_is_searched_not_listed(client, hall, three, rota_manager):
    client.force_login(rota_manager)
    page = client.get(reverse("admin:halls_director_add")).content.decode()
    assert options_of(page, "partner") == [""]  # a city's 1,000 directors are not rendered
    assert 'data-field-name="partner"' in page  # the search box instead
    assert director_search(client, "director", "partner", "李") == ["李局长"]


def test_a_director_without_a_department_is_offered_no_partner(client, hall, rota_manager):
    loners = [Director.objects.create(person=PersonFactory(name=f"无部门局长{n}"), hall=hall) for n in range(3)]
    client.force_login(rota_manager)
    page = client.get(reverse("admin:halls_director_change", args=[loners[0].pk])).content.decode()
    assert options_of(page, "partner") == [""]  # not every other director without a department
    response = client.post(reverse("admin:halls_director_change", args=[loners[0].pk]),
                           {"person": loners[0].person_id, "hall": hall.pk, "partner": loners[1].pk, "active": "on"})
    assert response.status_code == 200 and "partner" in response.context["adminform"].form.errors
    assert Director.objects.get(pk=loners[0].pk).partner is None


def test_a_new_director_is_saved_with_the_partner_found(client, hall, three, rota_manager):
    colleague = PersonFactory(name="赵局长", department=three[0].person.department)
    client.force_login(rota_manager)
    response = client.post(reverse("admin:halls_director_add"),
                           {"person": colleague.pk, "hall": hall.pk, "partner": three[0].pk, "active": "on"})
    assert response.status_code == 302
    assert Director.objects.get(person=colleague).partner == three[0]


def test_the_director_search_reads_a_fixed_number_of_statements(client, hall, three, rota_manager):
    client.force_login(rota_manager)
    with CaptureQueriesContext(connection) as few:
        director_search(client, "director", "partner")
    for n in range(5):
        make_director(hall, f"新局长{n}", "市民政局")
    with CaptureQueriesContext(connection) as more:
        assert len(director_search(client, "director", "partner")) == 8
    assert len(more.captured_queries) == len(few.captured_queries)


def test_an_unavailable_date_names_its_director_by_search(client, hall, three, rota_manager):
    client.force_login(rota_manager)
    page = client.get(reverse("admin:halls_unavailability_add")).content.decode()
    assert options_of(page, "director") == []  # required: not even an empty choice
    assert director_search(client, "unavailability", "director", "局长") == ["张局长", "李局长", "王局长"]


def test_follow_up_answered_through_the_service_and_open_ones_first(client, hall, three, rota_manager):
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    services.rota_publish(hall=hall, year=2024, month=10, acting_user=rota_manager)
    shift = DutyShift.objects.get(director=three[0])
    when = dt.datetime.combine(shift.date, dt.time(9, 5), tzinfo=TZ)
    services.shift_sign(user=three[0].person.user, hall=hall, code=codes.current_code(
        hall.duty_settings.code_secret, when)[0], action="sign_in", now=when)
    first = services.evaluation_submit(hall=hall, level=1, comment="态度差", device="a",
                                       now=when + dt.timedelta(hours=1))
    second = services.evaluation_submit(hall=hall, level=2, comment="", device="b",
                                        now=when + dt.timedelta(hours=2))
    client.force_login(rota_manager)
    url = reverse("admin:halls_followup_change", args=[first.follow_up.pk])
    response = client.post(url, {"answer": "已约谈窗口负责人"})
    assert response.status_code == 302
    answered = FollowUp.objects.get(pk=first.follow_up.pk)
    assert answered.answered_by == rota_manager and answered.answer == "已约谈窗口负责人"
    assert entries_for(answered).filter(action="answer").exists()
    listed = list(client.get(reverse("admin:halls_followup_changelist")).context["cl"].result_list)
    assert [f.pk for f in listed] == [second.follow_up.pk, first.follow_up.pk]
    assert client.post(reverse("admin:halls_followup_change", args=[second.follow_up.pk]),
                       {"answer": "  "}).status_code == 200  # an empty answer is refused
    assert FollowUp.objects.get(pk=second.follow_up.pk).is_open


def test_district_user_sees_only_their_halls(client, hall, three, rota_manager):
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    other = District.objects.get_or_create(name="莱西市", defaults={"position": 5})[0]
    outsider = make_user(Role.DIRECTOR, district=other)
    client.force_login(outsider)
    assert list(client.get(reverse(CHANGELIST)).context["cl"].result_list) == []
    assert list(client.get(reverse("admin:halls_director_changelist")).context["cl"].result_list) == []
    insider = make_user(Role.DIRECTOR, district=hall.district)
    client.force_login(insider)
    assert len(client.get(reverse(CHANGELIST)).context["cl"].result_list) == 3


def test_every_halls_admin_page_opens_with_data(client, hall, three, rota_manager):
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    services.rota_publish(hall=hall, year=2024, month=10, acting_user=rota_manager)
    shift = DutyShift.objects.get(director=three[0])
    when = dt.datetime.combine(shift.date, dt.time(9, 5), tzinfo=TZ)
    services.shift_sign(user=three[0].person.user, hall=hall, code=codes.current_code(
        hall.duty_settings.code_secret, when)[0], action="sign_in", now=when)
    services.evaluation_submit(hall=hall, level=2, comment="", device="x", now=when)
    ProblemFactory(record=WorkRecordFactory(shift=shift, opinions="意见"), description="问题")
    UnavailabilityFactory(director=three[1], date=dt.date(2024, 11, 4))
    HallFactory(name="另一大厅", kind=ServiceHall.Kind.SUB_HALL, district=hall.district)
    client.force_login(make_user(is_superuser=True))
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "halls":
            continue
        opts = model._meta
        assert client.get(reverse(f"admin:halls_{opts.model_name}_changelist")).status_code == 200, opts.model_name
        if model_admin.has_add_permission(type("R", (), {"user": make_user(is_superuser=True)})()):
            assert client.get(reverse(f"admin:halls_{opts.model_name}_add")).status_code == 200, opts.model_name
        obj = model._default_manager.first()
        if obj is not None:
            change = reverse(f"admin:halls_{opts.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change
    assert Evaluation.objects.count() == 1 and Director.objects.count() == 3


def test_renewing_the_code_secret_revokes_the_kiosk_link(client, hall, rota_manager):
    token = codes.kiosk_token(hall.duty_settings)
    assert client.get(reverse("halls:kiosk", args=[token])).status_code == 200
    client.force_login(rota_manager)
    client.post(reverse("admin:halls_hallsettings_changelist"),
                {"action": "renew_code_secret", ACTION_CHECKBOX_NAME: [hall.duty_settings.pk]})
    assert client.get(reverse("halls:kiosk", args=[token])).status_code == 404
    renewed = HallSettings.objects.get(pk=hall.duty_settings.pk)
    assert client.get(reverse("halls:kiosk", args=[codes.kiosk_token(renewed)])).status_code == 200
    assert entries_for(renewed).filter(action="renew_code_secret").exists()


def test_the_rating_list_reads_newest_first_in_a_fixed_number_of_queries(client, hall, three, assert_constant_queries):
    from tests.halls.factories import DutyShiftFactory, EvaluationFactory

    shift = DutyShiftFactory(director=three[0], hall=hall)
    start = shift.starts_at

    def rate(n):
        for _ in range(n):
            EvaluationFactory(shift=shift, created_at=start + dt.timedelta(minutes=Evaluation.objects.count()))

    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    response = assert_constant_queries(client, reverse("admin:halls_evaluation_changelist"), rate)
    listed = [e.created_at for e in response.context["cl"].result_list]
    assert listed == sorted(listed, reverse=True) and len(listed) == 28


def test_the_rating_list_never_counts_or_scans_every_rating(client, hall, three):
    from tests.halls.factories import DutyShiftFactory, EvaluationFactory

    EvaluationFactory.create_batch(3, shift=DutyShiftFactory(director=three[0], hall=hall))
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    response, reading_ratings = statements_reading(client, reverse("admin:halls_evaluation_changelist"),
                                                   "halls_evaluation")
    assert response.status_code == 200
    # The count capped at 1,001 rows and the page: no full count, no date hierarchy's DISTINCT months.
    counts = [sql for sql in reading_ratings if "COUNT(" in sql]
    assert len(reading_ratings) == 2 and len(counts) == 1 and "LIMIT 1001" in counts[0]
    assert not any("DISTINCT" in sql or "MIN(" in sql for sql in reading_ratings)


def test_the_follow_up_list_counts_to_the_cap_once(client, hall, three):
    from tests.halls.factories import DutyShiftFactory, EvaluationFactory

    for evaluation in EvaluationFactory.create_batch(3, shift=DutyShiftFactory(director=three[0], hall=hall), level=1):
        FollowUp.objects.create(evaluation=evaluation)
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    response, reading = statements_reading(client, reverse("admin:halls_followup_changelist"), "halls_followup")
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 3
    counts = [sql for sql in reading if "COUNT(" in sql]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0]


def _shifts_of(directors, hall):
    """grow(n): n more shifts, on days after the last, each with a substitute filed."""
    from tests.halls.factories import DutyShiftFactory

    def grow(n):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=DutyShift.objects.count())
        for day in range(n):
            DutyShiftFactory(director=directors[day % 2], substitute=directors[2], hall=hall,
                             date=start + dt.timedelta(days=day))
    return grow


def test_the_shift_list_reads_in_date_order_in_a_fixed_number_of_queries(client, hall, three, assert_constant_queries):
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    response = assert_constant_queries(client, reverse(CHANGELIST), _shifts_of(three, hall))
    listed = [shift.date for shift in response.context["cl"].result_list]
    assert listed == sorted(listed) and len(listed) == 28


def test_the_shift_list_never_counts_every_shift_nor_reads_their_months(client, hall, three):
    _shifts_of(three, hall)(3)
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    response, reading = statements_reading(client, reverse(CHANGELIST), "halls_dutyshift")
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 3
    counts = [sql for sql in reading if "COUNT(" in sql]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0]
    assert not any("DISTINCT" in sql or "MIN(" in sql for sql in reading)


def test_the_shift_list_asks_for_the_directors_district_once(client, hall, three):
    # Scoped twice, the district-or-own condition was counted twice in PostgreSQL's estimate.
    _shifts_of(three, hall)(2)
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    _response, reading = statements_reading(client, reverse(CHANGELIST), "halls_dutyshift")
    rows = next(sql for sql in reading if "COUNT(" not in sql)
    assert rows.count(f'"district_id" = {hall.district_id}') == 1


def _director_beside_another_districts_shifts(rf, hall, three):
    """A request of the hall's district director, with a shift at that hall and one at another
    district's hall."""
    other = HallFactory(district=District.objects.exclude(pk=hall.district_id).first())
    _shifts_of(three, hall)(1)
    _shifts_of([make_director(other, "外区甲"), make_director(other, "外区乙"), make_director(other, "外区丙")],
               other)(1)
    request = rf.get("/")
    request.user = make_user(Role.DIRECTOR, district=hall.district)
    return request


def test_a_list_whose_get_queryset_skips_the_scoping_is_still_scoped(rf, hall, three):
    from policyops.admin_scoping import DistrictScopedAdminMixin

    class Forgetful(DistrictScopedAdminMixin, admin.ModelAdmin):
        def get_queryset(self, request):
            return DutyShift.objects.all()  # forgets super(): the mixin's scoping never runs

    request = _director_beside_another_districts_shifts(rf, hall, three)
    model_admin = Forgetful(DutyShift, admin.site)
    rows = model_admin.get_queryset(request)
    found, _duplicates = model_admin.get_search_results(request, rows, "")
    assert {shift.hall_id for shift in found} == {hall.pk}


def test_a_search_that_starts_from_the_manager_is_scoped_again(rf, hall, three):
    from policyops.admin_scoping import DistrictScopedAdminMixin

    class SearchingEverything(admin.ModelAdmin):
        def get_search_results(self, request, queryset, search_term):
            return DutyShift.objects.all(), False  # an override that forgets the list's own rows

    class Scoped(DistrictScopedAdminMixin, SearchingEverything):
        pass

    request = _director_beside_another_districts_shifts(rf, hall, three)
    found, _duplicates = Scoped(DutyShift, admin.site).get_search_results(request, DutyShift.objects.none(), "甲")
    assert {shift.hall_id for shift in found} == {hall.pk}


def _records_of(directors, hall):
    """grow(n): n more work records, of shifts on days after the last, each with one problem."""
    from tests.halls.factories import DutyShiftFactory, ProblemFactory, WorkRecordFactory

    def grow(n):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=DutyShift.objects.count())
        for day in range(n):
            shift = DutyShiftFactory(director=directors[day % 3], hall=hall, date=start + dt.timedelta(days=day))
            ProblemFactory(record=WorkRecordFactory(shift=shift))
    return grow


def test_the_work_record_list_reads_newest_first_in_a_fixed_number_of_queries(client, hall, three,
                                                                              assert_constant_queries):
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    response = assert_constant_queries(client, reverse("admin:halls_workrecord_changelist"),
                                       _records_of(three, hall))
    rows = response.context["cl"].result_list
    assert [r.shift.date for r in rows] == sorted((r.shift.date for r in rows), reverse=True) and len(rows) == 28
    assert {(r.n_cases, r.n_problems) for r in rows} == {(0, 1)}


def test_the_work_record_list_counts_cases_and_problems_per_record(client, hall, three, rota_manager):
    from tests.halls.factories import DutyShiftFactory, ProblemFactory, WorkRecordFactory
    from tests.halls.test_doors import register_case

    busy = WorkRecordFactory(shift=DutyShiftFactory(director=three[0], hall=hall, date=dt.date(2024, 10, 14)))
    ProblemFactory.create_batch(2, record=busy)
    busy.cases.add(register_case(hall, name="甲"), register_case(hall, name="乙"), register_case(hall, name="丙"))
    quiet = WorkRecordFactory(shift=DutyShiftFactory(director=three[1], hall=hall, date=dt.date(2024, 10, 15)))
    client.force_login(rota_manager)
    response, reading = statements_reading(client, reverse("admin:halls_workrecord_changelist"), "halls_workrecord")
    counts = {r.pk: (r.n_cases, r.n_problems) for r in response.context["cl"].result_list}
    assert counts == {busy.pk: (3, 2), quiet.pk: (0, 0)}
    assert not any("GROUP BY" in sql and "LIMIT" not in sql for sql in reading)  # counted per page row
    count_sql = [sql for sql in reading if sql.startswith("SELECT COUNT(")]
    assert len(count_sql) == 1 and "LIMIT 1001" in count_sql[0]
    assert '"halls_problem"' not in count_sql[0]  # the page's counts, not the list's


def _attempts_of(directors, hall):
    """grow(n): n more successful sign-ins, a minute apart."""
    from policyops.models import Person

    def grow(n):
        start = dt.datetime(2024, 10, 14, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
        done = SignAttempt.objects.count()
        user = Person.objects.get(pk=directors[0].person_id).user
        SignAttempt.objects.bulk_create([
            SignAttempt(at=start + dt.timedelta(minutes=done + k), user=user, hall=hall, action="sign_in",
                        code_counter=done + k, success=True) for k in range(n)])
    return grow


def test_the_sign_in_log_reads_newest_first_in_a_fixed_number_of_queries(client, hall, three,
                                                                         assert_constant_queries):
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    response = assert_constant_queries(client, reverse("admin:halls_signattempt_changelist"), _attempts_of(three, hall))
    listed = [attempt.at for attempt in response.context["cl"].result_list]
    assert listed == sorted(listed, reverse=True) and len(listed) == 28


def test_the_sign_in_log_never_counts_every_attempt_nor_reads_its_values(client, hall, three):
    _attempts_of(three, hall)(3)
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    url = reverse("admin:halls_signattempt_changelist")
    response, reading = statements_reading(client, url, "halls_signattempt")
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 3
    counts = [sql for sql in reading if "COUNT(" in sql]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0]
    assert not any("DISTINCT" in sql or "MIN(" in sql for sql in reading)
    assert len(client.get(url, {"action": "sign_out"}).context["cl"].result_list) == 0


def test_the_problem_list_reads_newest_record_first_in_a_fixed_number_of_queries(client, hall, three,
                                                                                 assert_constant_queries):
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    response = assert_constant_queries(client, reverse("admin:halls_problem_changelist"), _records_of(three, hall))
    rows = response.context["cl"].result_list
    assert [problem.record.shift.date for problem in rows] == sorted((p.record.shift.date for p in rows),
                                                                     reverse=True)
    assert len(rows) == 28
    # The work record column names the shift: its date, hall and director on duty.
    assert str(rows[0].record.shift) in response.content.decode()
