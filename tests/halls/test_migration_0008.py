"""Migrations 0008–0009 (issue 12): each follow-up names its rated shift, taken from the rating."""
import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
BEFORE = [("halls", "0007_followup_open_first")]
AFTER = [("halls", "0009_followup_shift_required")]


def test_existing_follow_ups_and_their_history_get_the_rated_shift(migrate_to):
    old = migrate_to(BEFORE)
    hall = old.get_model("policyops", "ServiceHall").objects.create(name="迁移测试大厅", kind="district_hall")
    director = old.get_model("halls", "Director").objects.create(
        person=old.get_model("policyops", "Person").objects.create(name="甲"), hall=hall)
    Shift, Evaluation = old.get_model("halls", "DutyShift"), old.get_model("halls", "Evaluation")
    shifts = [Shift.objects.create(hall=hall, director=director, date=dt.date(2024, 10, day),
                                   starts_at=dt.datetime(2024, 10, day, 9, tzinfo=TZ),
                                   ends_at=dt.datetime(2024, 10, day, 17, tzinfo=TZ)) for day in (14, 15)]
    follow_ups = []
    for shift in shifts:
        rating = Evaluation.objects.create(shift=shift, level=1, device=f"d{shift.pk}",
                                           created_at=shift.starts_at + dt.timedelta(hours=1))
        follow_ups.append(old.get_model("halls", "FollowUp").objects.create(evaluation=rating).pk)
        old.get_model("halls", "HistoricalFollowUp").objects.create(
            id=follow_ups[-1], evaluation=rating, answer="", history_date=rating.created_at, history_type="+")
    new = migrate_to(AFTER)
    assert [new.get_model("halls", "FollowUp").objects.get(pk=pk).shift_id for pk in follow_ups] == \
        [shift.pk for shift in shifts]
    assert sorted(new.get_model("halls", "HistoricalFollowUp").objects.values_list("shift_id", flat=True)) == \
        sorted(shift.pk for shift in shifts)
