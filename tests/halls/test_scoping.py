"""District scoping of hall duty, now policyops.scoping's (``district_lookup`` + ``owner_lookups``).

The rule kept from the four copies it replaces: supervisors see every hall; district staff
see their district's rows and their own; a user with no district (a city-level director)
sees only the rows they own — their shifts (rostered or covering), director record,
unavailable dates, sign-in attempts, work records and their problems — and no hall's
settings, evaluations or follow-ups.
"""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from policyops import scoping
from policyops.models import District
from policyops.roles import Role
from programs.halls import codes, services
from programs.halls.models import (
    Director,
    DutyShift,
    Evaluation,
    HallSettings,
    SignAttempt,
    Unavailability,
    WorkRecord,
)
from tests.conftest import make_user, statements_reading
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, DutyShiftFactory, HallFactory, at

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(hall):
    """Two directors of 平度市's hall with no district (city-level), one of them also covering a
    shift at 莱西市's hall; 张 signed in, rated and kept a record."""
    laixi = District.objects.get_or_create(name="莱西市", defaults={"position": 5})[0]
    other_hall = HallFactory(name="莱西市测试值班大厅", district=laixi)
    zhang, li = make_director(hall, "张局长"), make_director(hall, "李局长")
    laixi_director = make_director(other_hall, "赵局长")
    mine = DutyShiftFactory(director=zhang, date=DAY)
    theirs = DutyShiftFactory(director=li, date=DAY)
    covered = DutyShiftFactory(director=laixi_director, date=DAY + dt.timedelta(days=1), substitute=zhang)
    code = codes.current_code(hall.duty_settings.code_secret, at(9, 5))[0]
    services.shift_sign(user=zhang.person.user, hall=hall, code=code, action="sign_in", now=at(9, 5))
    services.evaluation_submit(hall=hall, level=1, comment="", device="d", now=at(10))
    services.work_record_save(shift=DutyShift.objects.get(pk=mine.pk), acting_user=zhang.person.user, cases=[],
                              opinions="记实")
    Unavailability.objects.create(director=zhang, date=DAY + dt.timedelta(days=7))
    Unavailability.objects.create(director=li, date=DAY + dt.timedelta(days=7))
    return {"zhang": zhang, "li": li, "mine": mine, "theirs": theirs, "covered": covered, "laixi": laixi,
            "other_hall": other_hall}


def listed(client, model):
    response = client.get(reverse(f"admin:halls_{model._meta.model_name}_changelist"))
    assert response.status_code == 200, model
    return {obj.pk for obj in response.context["cl"].result_list}


def test_a_city_level_director_sees_only_their_own_rows(client, world):
    zhang = world["zhang"]
    user = zhang.person.user
    assert scoping.user_district_id(user) is None
    client.force_login(user)
    assert listed(client, DutyShift) == {world["mine"].pk, world["covered"].pk}
    assert listed(client, Director) == {zhang.pk}
    assert listed(client, Unavailability) == set(Unavailability.objects.filter(director=zhang).values_list("pk",
                                                                                                         flat=True))
    assert listed(client, SignAttempt) == set(SignAttempt.objects.filter(user=user).values_list("pk", flat=True))
    assert listed(client, WorkRecord) == {WorkRecord.objects.get(shift=world["mine"]).pk}
    assert listed(client, HallSettings) == set() and listed(client, Evaluation) == set()
    # Their own rows open (the covered one at another district's hall too); another's does not.
    for shift in (world["mine"], world["covered"]):
        assert client.get(reverse("admin:halls_dutyshift_change", args=[shift.pk])).status_code == 200
    assert client.get(reverse("admin:halls_dutyshift_change", args=[world["theirs"].pk])).status_code == 302
    assert not DutyShift.objects.visible_to(user).filter(pk=world["theirs"].pk).exists()


def test_a_city_level_director_adds_their_own_unavailable_date(client, world):
    zhang, li = world["zhang"], world["li"]
    client.force_login(zhang.person.user)
    add = reverse("admin:halls_unavailability_add")
    choices = set(client.get(add).context["adminform"].form.fields["director"].queryset)
    assert choices == {zhang}
    response = client.post(add, {"director": zhang.pk, "date": "2024-11-04", "reason": "出差"})
    assert response.status_code == 302
    assert Unavailability.objects.filter(director=zhang, date=dt.date(2024, 11, 4)).exists()
    assert client.post(add, {"director": li.pk, "date": "2024-11-05"}).status_code == 200  # not a choice
    assert not Unavailability.objects.filter(director=li, date=dt.date(2024, 11, 5)).exists()


def test_a_city_level_directors_search_for_a_director_finds_only_themselves(client, world):
    client.force_login(world["zhang"].person.user)
    response = client.get(reverse("admin:autocomplete"), {"app_label": "halls", "model_name": "unavailability",
                                                          "field_name": "director", "term": "局长"})
    assert [row["id"] for row in response.json()["results"]] == [str(world["zhang"].pk)]


def test_district_staff_see_their_districts_rows_and_their_own(client, world, hall):
    insider = make_user(Role.DIRECTOR, district=hall.district)
    client.force_login(insider)
    assert listed(client, DutyShift) == {world["mine"].pk, world["theirs"].pk}
    assert listed(client, HallSettings) == {hall.duty_settings.pk}
    assert len(listed(client, Evaluation)) == 1
    outsider = make_user(Role.DIRECTOR, district=world["laixi"])
    client.force_login(outsider)
    assert listed(client, DutyShift) == {world["covered"].pk}
    assert listed(client, Evaluation) == set() and listed(client, WorkRecord) == set()


def test_supervisors_see_every_hall(client, world, supervisor):
    client.force_login(supervisor)
    assert listed(client, DutyShift) == {world["mine"].pk, world["theirs"].pk, world["covered"].pk}


def test_a_city_level_directors_briefing_covers_no_hall(client, world):
    client.force_login(world["zhang"].person.user)
    response = client.get(reverse("halls:briefing", args=[2024, 10]))
    assert response.status_code == 200 and response.context["scope"].halls == []
    assert response.context["levels"] == [("city", response.context["scope"].label)]
    assert client.get(reverse("halls:briefing", args=[2024, 10])
                      + f"?level=district:{world['laixi'].pk}").status_code == 404


def test_may_see_and_owns_follow_the_same_rule(world, hall):
    zhang, user = world["zhang"], world["zhang"].person.user
    covered = DutyShift.objects.get(pk=world["covered"].pk)
    assert scoping.owns(user, covered) and scoping.may_see(user, covered)
    assert not scoping.may_see(user, DutyShift.objects.get(pk=world["theirs"].pk))
    insider = make_user(Role.DIRECTOR, district=hall.district)
    assert scoping.may_see(insider, DutyShift.objects.get(pk=world["theirs"].pk))
    assert not scoping.owns(insider, covered) and not scoping.may_see(insider, covered)
    assert scoping.owns(user, zhang)


def test_the_hall_filter_offers_the_halls_in_view_without_reading_the_ratings(client, world, hall):
    quiet_hall = HallFactory(name="平度市无评价大厅", district=hall.district)  # in view, never rated
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    response, reading_ratings = statements_reading(client, reverse("admin:halls_evaluation_changelist"),
                                                   "halls_evaluation")
    hall_filter = next(spec for spec in response.context["cl"].filter_specs if spec.field_path == "shift__hall")
    offered = {pk for pk, _name in hall_filter.lookup_choices}
    assert {hall.pk, quiet_hall.pk} <= offered and world["other_hall"].pk not in offered
    # The ratings are read twice (the capped count and the page), never for the filter's choices.
    assert len(reading_ratings) == 2


def test_an_owners_rows_are_found_by_their_directors_ids_not_through_joins(client, world):
    from tests.halls.factories import ProblemFactory

    mine = ProblemFactory(record=WorkRecord.objects.get(shift=world["mine"]))
    client.force_login(world["zhang"].person.user)
    response, reading = statements_reading(client, reverse("admin:halls_problem_changelist"), "halls_problem")
    assert {problem.pk for problem in response.context["cl"].result_list} == {mine.pk}
    count = next(sql for sql in reading if "COUNT(" in sql)
    assert '"halls_director"' not in count and '"policyops_person"' not in count


def test_the_owners_ids_are_read_once_per_user_object(world, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=world["zhang"].person.user_id)
    record = WorkRecord.objects.get(shift=world["mine"])
    assert set(DutyShift.objects.visible_to(user)) == {world["mine"], world["covered"]}
    with django_assert_num_queries(1):  # the list itself: the ids and the district are known
        assert set(WorkRecord.objects.visible_to(user)) == {record}
