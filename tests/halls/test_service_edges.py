"""Edges of the hall-duty use cases (programs/halls/services.py, notices.py) that no other test
pinned (found by the mutation runner, README *Mutation testing*): each test fails on one small
change to the code."""
import datetime as dt

import pytest

from policyops.errors import InvalidInput
from policyops.models import AuditEntry, Notification
from programs.halls import notices, services
from programs.halls.models import DutyShift, FollowUp, HallSettings, Problem, SignAttempt
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, DutyShiftFactory, HallFactory, at, sign

pytestmark = pytest.mark.django_db
TUESDAY = DAY + dt.timedelta(days=1)  # a working day after DAY


@pytest.fixture
def pair(hall):
    """张局长's shift on DAY at ``hall``, and 李局长 of the same department to stand in for them."""
    a, b = make_director(hall, "张局长"), make_director(hall, "李局长")
    return a, b, DutyShiftFactory(director=a, date=DAY)


@pytest.fixture
def signed_in(pair, hall):
    """张局长 signed in on DAY at 09:05: the one director on duty at ``hall``."""
    a, _b, shift = pair
    sign(a, hall, "sign_in", at(9, 5))
    return DutyShift.objects.get(pk=shift.pk)


# --- rota edits and publishing --------------------------------------------------------------


def test_a_move_to_a_day_already_at_capacity_is_refused(hall, rota_manager):
    shift = DutyShiftFactory(director=make_director(hall, "张局长"), date=DAY, state=DutyShift.State.SCHEDULED)
    for name in ("李局长", "王局长"):  # the hall's daily capacity is two
        DutyShiftFactory(director=make_director(hall, name), date=TUESDAY, state=DutyShift.State.SCHEDULED)
    with pytest.raises(InvalidInput) as refused:
        services.shift_move(shift=shift, day=TUESDAY, acting_user=rota_manager)
    assert refused.value.field == "date" and "已排满" in str(refused.value)
    assert DutyShift.objects.get(pk=shift.pk).date == DAY


def test_a_move_returns_the_moved_shift(hall, rota_manager):
    shift = DutyShiftFactory(director=make_director(hall, "张局长"), date=DAY, state=DutyShift.State.SCHEDULED)
    moved = services.shift_move(shift=shift, day=TUESDAY, acting_user=rota_manager)
    assert moved.pk == shift.pk and moved.date == TUESDAY and moved.starts_at == at(9, day=TUESDAY)


def test_publishing_is_recorded_at_the_given_moment(hall, rota_manager):
    shift = DutyShiftFactory(director=make_director(hall, "张局长"), date=DAY, state=DutyShift.State.SCHEDULED)
    published_at = at(8, day=DAY - dt.timedelta(days=7))
    assert services.rota_publish(hall=hall, year=2024, month=10, acting_user=rota_manager, now=published_at) == 1
    entry = AuditEntry.objects.get(action="publish", object_id=str(shift.pk))
    assert entry.at == published_at


def test_publishing_one_shift_returns_it_published(hall, rota_manager):
    shift = DutyShiftFactory(director=make_director(hall, "张局长"), date=DAY, state=DutyShift.State.SCHEDULED)
    returned = services.shift_publish_month(shift=shift, acting_user=rota_manager,
                                            now=at(8, day=DAY - dt.timedelta(days=7)))
    assert returned.pk == shift.pk and returned.state == DutyShift.State.PUBLISHED


# --- signing in and out ---------------------------------------------------------------------


def test_signing_without_a_code_is_refused_and_logged_with_an_empty_code(pair, hall):
    a, _b, _shift = pair
    with pytest.raises(InvalidInput) as refused:
        services.shift_sign(user=a.person.user, hall=hall, code=None, action="sign_in", now=at(9, 5))
    assert "签到码错误或已过期" in str(refused.value)
    attempt = SignAttempt.objects.get()
    assert attempt.code == "" and attempt.success is False


def test_a_too_long_code_is_logged_cut_to_twelve_characters(pair, hall):
    a, _b, _shift = pair
    with pytest.raises(InvalidInput):
        services.shift_sign(user=a.person.user, hall=hall, code="12345678901234567890", action="sign_in",
                            now=at(9, 5))
    assert SignAttempt.objects.get().code == "123456789012"


def test_a_sign_attempts_reason_is_cut_to_two_hundred_characters(pair, hall):
    a, _b, shift = pair
    attempt = services._log(user=a.person.user, hall=hall, shift=shift, action="sign_in", code="", counter=None,
                            success=False, reason="理" * 300, now=at(9, 5))
    assert SignAttempt.objects.get(pk=attempt.pk).reason == "理" * 200


# --- substitutions --------------------------------------------------------------------------


def test_an_objection_reason_is_kept_to_two_hundred_characters(pair, rota_manager):
    a, b, shift = pair
    before = at(8, day=DAY - dt.timedelta(days=1))
    services.shift_file_substitution(shift=shift, substitute=b, reason="开会", acting_user=a.person.user, now=before)
    services.shift_object_to_substitution(shift=shift, reason="异" * 300, acting_user=rota_manager, now=before)
    assert DutyShift.objects.get(pk=shift.pk).objection_reason == "异" * 200


def test_an_objection_returns_the_shift_with_its_director_back_on_duty(pair, rota_manager):
    a, b, shift = pair
    before = at(8, day=DAY - dt.timedelta(days=1))
    services.shift_file_substitution(shift=shift, substitute=b, reason="开会", acting_user=a.person.user, now=before)
    returned = services.shift_object_to_substitution(shift=shift, reason="人手不足", acting_user=rota_manager,
                                                     now=before)
    assert returned.pk == shift.pk and returned.substitute is None and returned.on_duty == a


def test_a_filing_notice_counts_the_substitutes_and_the_supervisors_messages(pair, rota_manager):
    _a, b, shift = pair
    shift.substitute = b
    assert notices.hall_supervisors(shift)  # rota_manager at least
    sent = notices.substitution_filed(shift=shift, now=at(8, day=DAY - dt.timedelta(days=1)))
    assert sent == Notification.objects.filter(kind="shift.substitution_filed").count()
    assert Notification.objects.exclude(recipient=b.person.user).exists()


def test_a_practice_filing_notice_counts_the_substitutes_messages_only(rota_manager):
    practice = HallFactory(is_training=True)
    a, b = make_director(practice, "张局长"), make_director(practice, "李局长")
    shift = DutyShiftFactory(director=a, date=DAY)
    shift.substitute = b
    sent = notices.substitution_filed(shift=shift, now=at(8, day=DAY - dt.timedelta(days=1)))
    assert sent == Notification.objects.filter(kind="shift.substitution_filed", recipient=b.person.user).count()
    assert sent > 0 and not Notification.objects.exclude(recipient=b.person.user).exists()


# --- evaluations and follow-ups -------------------------------------------------------------


def test_an_evaluation_without_a_comment_keeps_an_empty_one(signed_in, hall):
    evaluation = services.evaluation_submit(hall=hall, level=5, comment=None, device="phone-1", now=at(10))
    assert evaluation.comment == "" and evaluation.shift_id == signed_in.pk


def test_an_evaluation_comment_is_kept_to_five_hundred_characters(signed_in, hall):
    evaluation = services.evaluation_submit(hall=hall, level=5, comment="好" * 600, device="phone-1", now=at(10))
    assert type(evaluation).objects.get(pk=evaluation.pk).comment == "好" * 500


@pytest.fixture
def follow_up(signed_in, hall):
    services.evaluation_submit(hall=hall, level=1, comment="等待时间长", device="phone-1", now=at(10))
    return FollowUp.objects.get()


def test_an_answered_follow_up_is_returned_closed(follow_up, rota_manager):
    returned = services.follow_up_answer(follow_up=follow_up, answer="已增开窗口", acting_user=rota_manager,
                                         now=at(11))
    assert returned.pk == follow_up.pk and not returned.is_open and returned.answer == "已增开窗口"


def test_an_answers_audit_reason_is_cut_to_two_hundred_characters(follow_up, rota_manager):
    services.follow_up_answer(follow_up=follow_up, answer="答" * 300, acting_user=rota_manager, now=at(11))
    assert AuditEntry.objects.get(action="answer", object_id=str(follow_up.pk)).reason == "答" * 200
    assert FollowUp.objects.get(pk=follow_up.pk).answer == "答" * 300


# --- problems and hall secrets --------------------------------------------------------------


def test_a_problem_step_returns_the_problem_in_its_new_state(signed_in, pair):
    a, _b, _shift = pair
    record = services.work_record_save(shift=signed_in, acting_user=a.person.user, cases=[], opinions="")
    problem = Problem.objects.create(record=record, description="材料清单不一致", proposal="统一清单")
    returned = services.problem_follow_up(problem=problem, action="start_rectification", acting_user=a.person.user,
                                          as_of=at(12))
    assert returned.pk == problem.pk and returned.state == Problem.State.IN_PROGRESS


def test_renewing_a_hall_secret_returns_its_settings(hall, rota_manager):
    settings_ = hall.duty_settings
    old_secret = settings_.code_secret
    returned = services.hall_renew_code_secret(hall_settings=settings_, acting_user=rota_manager)
    assert returned is settings_
    assert returned.code_secret == HallSettings.objects.get(pk=settings_.pk).code_secret != old_secret
