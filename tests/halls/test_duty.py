import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from policyops.errors import ConditionFailed, InvalidInput, NotAllowed
from policyops.models import ServiceHall
from programs.halls import codes, services
from programs.halls.generator import working_days_of_month
from programs.halls.models import DutyShift, Evaluation, FollowUp, SignAttempt
from programs.halls.selectors import monthly_briefing
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, FULL_WIDTH_DIGITS, DutyShiftFactory, HallFactory, UnavailabilityFactory, at

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def rota(hall, rota_manager):
    a = make_director(hall, "张局长", "市教育局")
    b = make_director(hall, "李局长", "市教育局")
    c = make_director(hall, "王局长", "市民政局")
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    services.rota_publish(hall=hall, year=2024, month=10, acting_user=rota_manager)
    return {"a": a, "b": b, "c": c}


def shift_of(director):
    return DutyShift.objects.get(director=director)


def move_to(shift, day, manager):
    DutyShift.objects.filter(pk=shift.pk).update(
        date=day, starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=TZ),
        ends_at=dt.datetime.combine(day, dt.time(17), tzinfo=TZ))
    return DutyShift.objects.get(pk=shift.pk)


def code_at(hall, when):
    return codes.current_code(hall.duty_settings.code_secret, when)[0]


def test_generation_gives_every_director_one_published_shift(rota):
    assert DutyShift.objects.count() == 3
    assert set(DutyShift.objects.values_list("state", flat=True)) == {DutyShift.State.PUBLISHED}


def test_regenerating_a_published_month_is_refused(rota, hall, rota_manager):
    with pytest.raises(ConditionFailed):
        services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)


def test_an_infeasible_month_is_explained_and_nothing_saved(hall, rota_manager):
    director = make_director(hall, "赵局长")
    for day in working_days_of_month(2024, 11):
        UnavailabilityFactory(director=director, date=day)
    with pytest.raises(services.RotaInfeasible) as exc:
        services.rota_generate(hall=hall, year=2024, month=11, acting_user=rota_manager)
    assert "赵局长" in str(exc.value)
    assert not DutyShift.objects.exists()


def test_director_signs_in_and_out_with_the_hall_code(rota, hall, rota_manager):
    shift = move_to(shift_of(rota["a"]), DAY, rota_manager)
    user = rota["a"].person.user
    services.shift_sign(user=user, hall=hall, code=code_at(hall, at(9, 5)), action="sign_in", now=at(9, 5, 10))
    services.shift_sign(user=user, hall=hall, code=code_at(hall, at(16, 50)), action="sign_out", now=at(16, 50, 3))
    shift.refresh_from_db()
    assert shift.state == DutyShift.State.SIGNED_OUT and shift.minutes_on_duty == 464  # 09:05:10 → 16:50:03


def test_a_code_typed_in_full_width_digits_signs_in_once(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    user = rota["a"].person.user
    code = code_at(hall, at(9, 5))
    services.shift_sign(user=user, hall=hall, code=code.translate(FULL_WIDTH_DIGITS), action="sign_in",
                        now=at(9, 5, 10))
    assert shift_of(rota["a"]).state == DutyShift.State.SIGNED_IN
    with pytest.raises(InvalidInput) as refused:  # the same code in ASCII is the same code
        services.shift_sign(user=user, hall=hall, code=code, action="sign_in", now=at(9, 5, 20))
    assert str(refused.value) == str(services.REPLAYED_CODE)


def test_an_expired_code_is_refused_and_logged(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    user = rota["a"].person.user
    with pytest.raises(InvalidInput):
        services.shift_sign(user=user, hall=hall, code=code_at(hall, at(9, 0)), action="sign_in", now=at(9, 3))
    attempt = SignAttempt.objects.get()
    assert not attempt.success and attempt.user == user


def test_the_previous_minutes_code_is_still_accepted(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    user = rota["a"].person.user
    services.shift_sign(user=user, hall=hall, code=code_at(hall, at(9, 4, 59)), action="sign_in", now=at(9, 5, 5))
    assert shift_of(rota["a"]).state == DutyShift.State.SIGNED_IN
    assert SignAttempt.objects.get().success is True


def test_a_code_two_minutes_old_is_refused(rota, hall, rota_manager):
    # A code is accepted in its own minute and the next one only (rules.CODE_GRACE_PERIODS).
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    with pytest.raises(InvalidInput):
        services.shift_sign(user=rota["a"].person.user, hall=hall, code=code_at(hall, at(9, 3, 59)),
                            action="sign_in", now=at(9, 5, 1))


def test_the_screen_shows_six_digits_that_change_on_the_minute(hall):
    secret = hall.duty_settings.code_secret
    code, changes_at = codes.current_code(secret, at(9, 0, 0))
    assert len(code) == 6 and code.isdigit()
    assert codes.current_code(secret, at(9, 0, 59)) == (code, at(9, 1))
    assert codes.current_code(secret, at(9, 1, 0))[1] == at(9, 2)


def test_a_replayed_code_is_refused(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    user = rota["a"].person.user
    code = code_at(hall, at(9, 5))
    services.shift_sign(user=user, hall=hall, code=code, action="sign_in", now=at(9, 5, 1))
    signed_in_at = shift_of(rota["a"]).signed_in_at
    with pytest.raises(InvalidInput):
        # A second sign-in with the same code is a replay.
        services.shift_sign(user=user, hall=hall, code=code, action="sign_in", now=at(9, 5, 30))
    shift = shift_of(rota["a"])
    assert shift.state == DutyShift.State.SIGNED_IN and shift.signed_in_at == signed_in_at
    assert list(SignAttempt.objects.order_by("at").values_list("success", flat=True)) == [True, False]


def test_signing_in_for_someone_elses_shift_is_refused(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    other = rota["c"].person.user
    with pytest.raises(NotAllowed):
        services.shift_sign(user=other, hall=hall, code=code_at(hall, at(9, 5)), action="sign_in", now=at(9, 5))


def test_signing_in_outside_the_window_is_refused(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    with pytest.raises(ConditionFailed):
        services.shift_sign(user=rota["a"].person.user, hall=hall, code=code_at(hall, at(8, 30)),
                            action="sign_in", now=at(8, 30))


def test_a_code_of_another_hall_is_refused(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    other = HallFactory(name="另一大厅", kind=ServiceHall.Kind.SUB_HALL, district=hall.district)
    with pytest.raises(InvalidInput):
        services.shift_sign(user=rota["a"].person.user, hall=hall, code=code_at(other, at(9, 5)), action="sign_in",
                            now=at(9, 5))


def test_substitution_filed_in_advance_lets_the_partner_sign_in(rota, hall, rota_manager):
    shift = move_to(shift_of(rota["a"]), DAY, rota_manager)
    services.shift_file_substitution(shift=shift, substitute=rota["b"], reason="参加全市会议",
                                     acting_user=rota["a"].person.user, now=at(8, 0, day=DAY - dt.timedelta(days=1)))
    services.shift_sign(user=rota["b"].person.user, hall=hall, code=code_at(hall, at(9, 5)), action="sign_in",
                        now=at(9, 5))
    shift.refresh_from_db()
    assert shift.state == DutyShift.State.SIGNED_IN and shift.on_duty == rota["b"]


def file_for_a(rota, substitute, *, reason="参加全市会议", now=None):
    """张局长 (rota "a") files ``substitute`` for their shift on DAY."""
    return services.shift_file_substitution(shift=shift_of(rota["a"]), substitute=substitute, reason=reason,
                                            acting_user=rota["a"].person.user, now=now or at(8, 0))


def test_a_substitute_already_on_duty_that_day_is_refused(rota, hall, rota_manager):
    # 002:1978 协调其他分管同志参加: the stand-in must be able to attend; one person is one director on duty.
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    move_to(shift_of(rota["b"]), DAY, rota_manager)
    with pytest.raises(InvalidInput) as refused:
        file_for_a(rota, rota["b"])
    assert refused.value.field == "substitute" and hall.name in str(refused.value)
    assert shift_of(rota["a"]).substitute is None


def test_a_substitute_covering_another_shift_that_day_is_refused(rota, hall, rota_manager):
    other = HallFactory(name="另一大厅", kind=ServiceHall.Kind.SUB_HALL, district=hall.district)
    deputy = make_director(other, "赵局长", "市教育局")
    covered = DutyShiftFactory(hall=other, director=deputy, date=DAY, state=DutyShift.State.SUBSTITUTED,
                               substitute=rota["b"])
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    with pytest.raises(InvalidInput) as refused:
        file_for_a(rota, rota["b"])
    assert covered.hall.name in str(refused.value)


def test_a_substitute_marked_unavailable_that_day_is_refused(rota, rota_manager):
    UnavailabilityFactory(director=rota["b"], date=DAY)
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    with pytest.raises(InvalidInput) as refused:
        file_for_a(rota, rota["b"])
    assert refused.value.field == "substitute"


def test_a_substitute_whose_own_shift_that_day_is_covered_may_stand_in(rota, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    own = move_to(shift_of(rota["b"]), DAY, rota_manager)
    DutyShift.objects.filter(pk=own.pk).update(state=DutyShift.State.SUBSTITUTED, substitute=rota["a"])
    file_for_a(rota, rota["b"], reason="交换值班")
    assert shift_of(rota["a"]).substitute == rota["b"]


def test_filing_after_the_start_is_refused(rota, rota_manager):
    shift = move_to(shift_of(rota["a"]), DAY, rota_manager)
    with pytest.raises(ConditionFailed):
        services.shift_file_substitution(shift=shift, substitute=rota["b"], reason="临时有事",
                                         acting_user=rota["a"].person.user, now=at(9, 1))


def test_substitute_from_another_department_is_refused(rota, rota_manager):
    shift = move_to(shift_of(rota["a"]), DAY, rota_manager)
    with pytest.raises(InvalidInput):
        services.shift_file_substitution(shift=shift, substitute=rota["c"], reason="x",
                                         acting_user=rota["a"].person.user, now=at(8, 0))


def test_no_substitute_stands_in_for_a_director_without_a_department(rota, rota_manager):
    from policyops.models import Person

    Person.objects.filter(pk__in=[rota["a"].person_id, rota["b"].person_id]).update(department=None)
    rota["a"].person.refresh_from_db()
    shift = move_to(shift_of(rota["a"]), DAY, rota_manager)
    with pytest.raises(InvalidInput) as refused:
        services.shift_file_substitution(shift=shift, substitute=rota["b"], reason="x",
                                         acting_user=rota["a"].person.user, now=at(8, 0))
    assert refused.value.field == "substitute"


def test_a_director_without_a_department_is_offered_no_substitute(rota, rota_manager):
    from policyops.models import Person
    from programs.halls.forms import SubstitutionForm

    Person.objects.filter(pk__in=[rota["a"].person_id, rota["b"].person_id]).update(department=None)
    shift = shift_of(rota["a"])
    shift.director.person.refresh_from_db()
    assert not SubstitutionForm(shift=shift).fields["substitute"].queryset.exists()


def test_a_director_is_offered_the_active_leaders_of_the_department(rota):
    from programs.halls.forms import SubstitutionForm

    assert list(SubstitutionForm(shift=shift_of(rota["a"])).fields["substitute"].queryset) == [rota["b"]]


def test_unfiled_absence_is_missed_and_no_sign_out_flagged(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    move_to(shift_of(rota["b"]), dt.date(2024, 10, 31), rota_manager)
    present = move_to(shift_of(rota["c"]), DAY, rota_manager)
    services.shift_sign(user=rota["c"].person.user, hall=hall, code=code_at(hall, at(9, 5)), action="sign_in",
                        now=at(9, 5))
    assert services.shifts_close_windows(now=at(17, 1)) == {"missed": 1, "flagged": 1}
    assert services.shifts_close_windows(now=at(17, 2)) == {"missed": 0, "flagged": 0}
    present.refresh_from_db()
    assert present.left_without_sign_out and shift_of(rota["a"]).state == DutyShift.State.MISSED


def test_evaluation_once_per_device_and_follow_up_for_dissatisfied(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    services.shift_sign(user=rota["a"].person.user, hall=hall, code=code_at(hall, at(9, 5)), action="sign_in",
                        now=at(9, 5))
    services.evaluation_submit(hall=hall, level=2, comment="等待时间长", device="phone-1", now=at(10))
    with pytest.raises(ConditionFailed):
        services.evaluation_submit(hall=hall, level=5, comment="", device="phone-1", now=at(10, 5))
    services.evaluation_submit(hall=hall, level=5, comment="", device="phone-2", now=at(10, 6))
    assert Evaluation.objects.count() == 2
    follow_up = FollowUp.objects.get()
    assert follow_up.is_open
    assert follow_up.shift_id == Evaluation.objects.get(level=2).shift_id == shift_of(rota["a"]).pk
    services.follow_up_answer(follow_up=follow_up, answer="已增开窗口", acting_user=rota_manager, now=at(11))
    assert not FollowUp.objects.get().is_open


def test_basically_satisfied_opens_no_follow_up(rota, hall, rota_manager):
    # 不满意 or worse is followed up (rules.FOLLOW_UP_AT_OR_BELOW); 基本满意 counts as satisfied.
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    services.shift_sign(user=rota["a"].person.user, hall=hall, code=code_at(hall, at(9, 5)), action="sign_in",
                        now=at(9, 5))
    services.evaluation_submit(hall=hall, level=3, comment="", device="phone-1", now=at(10))
    assert Evaluation.objects.count() == 1 and not FollowUp.objects.exists()


def test_briefing_figures_on_a_hand_made_month(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    move_to(shift_of(rota["c"]), DAY, rota_manager)
    services.shift_sign(user=rota["a"].person.user, hall=hall, code=code_at(hall, at(9, 5)), action="sign_in",
                        now=at(9, 5))
    services.shift_sign(user=rota["c"].person.user, hall=hall, code=code_at(hall, at(9, 40)), action="sign_in",
                        now=at(9, 40))
    for key in ("a", "c"):
        services.shift_sign(user=rota[key].person.user, hall=hall, code=code_at(hall, at(16, 58)),
                            action="sign_out", now=at(16, 58))
    services.evaluation_submit(hall=hall, level=1, comment="", device="d1", now=at(10),
                               shift_id=shift_of(rota["a"]).pk)
    services.evaluation_submit(hall=hall, level=4, comment="", device="d2", now=at(10),
                               shift_id=shift_of(rota["c"]).pk)
    services.shifts_close_windows(now=at(17, 30, day=dt.date(2024, 10, 31)))
    b = monthly_briefing(halls=[hall], year=2024, month=10, as_of=dt.date(2024, 11, 1))
    assert (b.total.due, b.total.done, b.total.missed, b.total.punctual) == (3, 2, 1, 1)
    assert b.total.attendance_rate == Decimal("0.667")
    assert b.under_quota == ["李局长"]
    assert b.evaluations[1] == 1 and b.evaluations[4] == 1 and b.satisfaction_rate == Decimal("0.500")
    assert b.by_department["市教育局"].due == 2 and b.by_department["市民政局"].done == 1


def test_with_two_directors_on_duty_the_rater_chooses(rota, hall, rota_manager):
    move_to(shift_of(rota["a"]), DAY, rota_manager)
    move_to(shift_of(rota["c"]), DAY, rota_manager)
    for key, minute in (("a", 5), ("c", 6)):
        services.shift_sign(user=rota[key].person.user, hall=hall, code=code_at(hall, at(9, minute)),
                            action="sign_in", now=at(9, minute))
    with pytest.raises(InvalidInput) as exc:
        services.evaluation_submit(hall=hall, level=5, comment="", device="d1", now=at(10))
    assert exc.value.field == "shift"
    services.evaluation_submit(hall=hall, level=5, comment="", device="d1", now=at(10),
                               shift_id=shift_of(rota["a"]).pk)
    assert Evaluation.objects.get().shift.director == rota["a"]


def test_a_filed_swap_makes_the_substitute_responsible(rota, rota_manager):
    # 002:1978: once filed, the substitute is on duty; if nobody comes, it is the substitute's miss.
    shift = move_to(shift_of(rota["a"]), DAY, rota_manager)
    services.shift_file_substitution(shift=shift, substitute=rota["b"], reason="开会",
                                     acting_user=rota["a"].person.user, now=at(8, 0, day=DAY - dt.timedelta(days=1)))
    services.shifts_close_windows(now=at(17, 30))
    shift.refresh_from_db()
    assert shift.state == DutyShift.State.MISSED and shift.on_duty == rota["b"]


def test_a_light_month_is_spread_over_its_days():
    from programs.halls.generator import DirectorSlotInput, generate, working_days_of_month

    days = working_days_of_month(2024, 11)
    people = [DirectorSlotInput(i, f"局长{i}", "A") for i in range(5)]
    chosen = sorted(generate(people, days, 3).assignments.values())
    assert chosen[0] < dt.date(2024, 11, 8) and chosen[-1] > dt.date(2024, 11, 20)
