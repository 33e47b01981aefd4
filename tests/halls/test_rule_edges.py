"""Edges of the hall-duty guards and sign-in codes that no other test pinned (found by
`make mutants`, README *Mutation testing*): each test fails on one small change to the rule."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from policyops.errors import ConditionFailed, NotAllowed
from policyops.models import Person
from programs.halls import codes, guards, services
from programs.halls.models import DutyShift, Problem
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, DutyShiftFactory, at, sign

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def problem(hall):
    """A problem found by 张局长 (of another district than the hall's) on the shift they are on duty for."""
    director = make_director(hall, "张局长")
    shift = DutyShiftFactory(director=director, date=DAY)
    sign(director, hall, "sign_in", at(9, 5))
    record = services.work_record_save(shift=DutyShift.objects.get(pk=shift.pk), acting_user=director.person.user,
                                       cases=[], opinions="")
    return Problem.objects.create(record=record, description="材料清单不一致", proposal="统一清单")


def test_the_director_on_duty_follows_up_their_problem(problem):
    user = problem.record.shift.director.person.user
    services.problem_follow_up(problem=problem, action="start_rectification", acting_user=user, as_of=at(12))
    assert Problem.objects.get(pk=problem.pk).state == Problem.State.IN_PROGRESS


def test_the_director_on_duty_without_the_follow_up_right_may_not_follow_up(problem):
    user = problem.record.shift.director.person.user
    user.groups.clear()  # the director's role taken away; still the one on duty
    user = type(user).objects.get(pk=user.pk)  # Django keeps the old permissions on the object
    assert guards.may_follow_up_problem(problem, user) is False
    with pytest.raises(NotAllowed):
        services.problem_follow_up(problem=problem, action="start_rectification", acting_user=user, as_of=at(12))
    assert Problem.objects.get(pk=problem.pk).state == Problem.State.OPEN


def test_nobody_signed_in_follows_up_a_problem(problem):
    from django.contrib.auth.models import AnonymousUser

    assert guards.may_follow_up_problem(problem, AnonymousUser()) is False
    assert guards.may_follow_up_problem(problem, None) is False


def test_a_director_may_not_name_themselves_as_their_substitute(hall):
    # 002:1978 A/B: the substitute is another leader; a shift naming its own director has none.
    director = make_director(hall, "张局长")
    shift = DutyShiftFactory(director=director, date=DAY)
    shift.substitute = director
    assert guards.has_substitute(shift) is False
    shift.substitute = None
    assert guards.has_substitute(shift) is False
    shift.substitute = make_director(hall, "李局长")
    assert guards.has_substitute(shift) is True


def test_filing_oneself_as_substitute_is_refused_and_nothing_is_saved(hall):
    director = make_director(hall, "张局长")
    Person.objects.filter(pk=director.person_id).update(district=hall.district)
    shift = DutyShiftFactory(director=director, date=DAY)
    with pytest.raises(ConditionFailed):
        services.shift_file_substitution(shift=shift, substitute=director, reason="开会",
                                         acting_user=director.person.user, now=at(8))
    shift = DutyShift.objects.get(pk=shift.pk)
    assert (shift.substitute_id, shift.state) == (None, DutyShift.State.PUBLISHED)


# --- the sign-in code -----------------------------------------------------------------------


def test_the_code_is_the_first_eight_bytes_of_the_hmac_in_six_digits():
    # A fixed vector: HMAC-SHA256(secret, minute counter), its first 8 bytes big-endian, mod 10**6,
    # so that a kiosk or a phone built elsewhere shows the same code.
    assert codes.code_for("测试密钥", 29_000_000) == "827062"


def test_the_code_says_when_it_changes_in_the_halls_time():
    changes_at = codes.current_code("secret", at(9, 5))[1]
    assert changes_at == at(9, 6)
    assert changes_at.utcoffset() == dt.timedelta(hours=8)  # shown as 09:06 in the hall, not 01:06
