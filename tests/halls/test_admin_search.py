"""The hall-duty lists' searches through small related tables (policyops.admin_list.RelatedFirstSearchMixin)."""
import datetime as dt

import pytest
from django.urls import reverse

from policyops.admin_list import _search_words
from policyops.models import District
from policyops.roles import Role
from programs.halls.models import SignAttempt
from tests.conftest import make_user, statements_reading
from tests.halls.conftest import make_director
from tests.halls.factories import DutyShiftFactory, HallFactory

pytestmark = pytest.mark.django_db
SHIFTS = reverse("admin:halls_dutyshift_changelist")


@pytest.fixture
def shifts(hall):
    """张 on the 14th, 李 on the 15th with 王 covering, at 平度市's hall; 赵 at 莱西市's hall."""
    zhang, li, wang = (make_director(hall, name) for name in ("张局长", "李局长", "王局长"))
    laixi = District.objects.get_or_create(name="莱西市", defaults={"position": 5})[0]
    zhao = make_director(HallFactory(name="莱西市便民服务大厅", district=laixi), "赵局长")
    return {
        "zhang": DutyShiftFactory(director=zhang, date=dt.date(2024, 10, 14)),
        "li": DutyShiftFactory(director=li, date=dt.date(2024, 10, 15), substitute=wang),
        "zhao": DutyShiftFactory(director=zhao, date=dt.date(2024, 10, 14)),
    }


def _found(client, url, term) -> set:
    response = client.get(url, {"q": term})
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_a_shift_is_found_by_its_directors_its_substitutes_or_its_halls_name(client, shifts, supervisor):
    client.force_login(supervisor)
    assert _found(client, SHIFTS, "张局") == {shifts["zhang"].pk}
    assert _found(client, SHIFTS, "王局长") == {shifts["li"].pk}  # covering 李's shift
    assert _found(client, SHIFTS, "莱西") == {shifts["zhao"].pk}
    assert _found(client, SHIFTS, "钱局长") == set()


def test_the_words_of_a_search_must_all_match(client, shifts, supervisor):
    client.force_login(supervisor)
    assert _found(client, SHIFTS, "测试 李") == {shifts["li"].pk}
    assert _found(client, SHIFTS, "莱西 李") == set()
    assert _found(client, SHIFTS, '"测试审批"') == {shifts["zhang"].pk, shifts["li"].pk}


def test_the_shifts_are_filtered_by_the_ids_found_not_by_joined_names(client, shifts, supervisor):
    client.force_login(supervisor)
    response, reading = statements_reading(client, f"{SHIFTS}?q=张", "halls_dutyshift")
    assert response.status_code == 200 and reading
    assert not any("LIKE" in sql for sql in reading), reading


def test_a_directors_search_stays_in_their_district(client, shifts, hall):
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    assert _found(client, SHIFTS, "赵局长") == set()  # 莱西市's director, out of view
    assert _found(client, SHIFTS, "局长") == {shifts["zhang"].pk, shifts["li"].pk}


def test_a_sign_in_attempt_is_found_by_its_users_name_or_its_reason(client, shifts, hall, supervisor):
    shift = shifts["zhang"]
    user = shift.director.person.user
    mine = SignAttempt.objects.create(at=shift.starts_at, user=user, hall=hall, shift=shift, action="sign_in",
                                      success=False, reason="动态码错误")
    other = SignAttempt.objects.create(at=shift.starts_at, user=shifts["li"].director.person.user, hall=hall,
                                       action="sign_in", success=True)
    client.force_login(supervisor)
    url = reverse("admin:halls_signattempt_changelist")
    assert _found(client, url, user.username) == {mine.pk}
    assert _found(client, url, "动态码") == {mine.pk}
    assert other.pk not in _found(client, url, "错误")


def test_search_words_are_split_as_djangos_admin_splits_them():
    assert _search_words('张 "审批 大厅"  李') == ["张", "审批 大厅", "李"]
    assert _search_words('""') == []
