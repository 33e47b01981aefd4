"""Migration 0004 (issue 10): filings become substitutions in force, early departures are recorded."""
import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
BEFORE = [("halls", "0003_problem_state")]
AFTER = [("halls", "0004_substitution_filing_served_days")]


def test_migration_keeps_who_was_on_duty_and_records_early_departures(migrate_to):
    # 002:1978 备案 (a filing is in force) and 原则上不得离岗 (an early departure is no served day).
    old = migrate_to(BEFORE)
    hall = old.get_model("policyops", "ServiceHall").objects.create(name="迁移测试大厅", kind="district_hall")
    old.get_model("halls", "HallSettings").objects.create(hall=hall, opens_at=dt.time(9), closes_at=dt.time(17))
    Person, Director = old.get_model("policyops", "Person"), old.get_model("halls", "Director")
    a = Director.objects.create(person=Person.objects.create(name="甲"), hall=hall)
    b = Director.objects.create(person=Person.objects.create(name="乙"), hall=hall)
    Shift = old.get_model("halls", "DutyShift")

    def shift(day, **fields):
        return Shift.objects.create(hall=hall, director=a, date=dt.date(2024, 10, day),
                                    starts_at=dt.datetime(2024, 10, day, 9, tzinfo=TZ),
                                    ends_at=dt.datetime(2024, 10, day, 17, tzinfo=TZ), **fields).pk

    filed = shift(14, state="substitution_filed", substitute=b)
    lapsed = shift(15, state="signed_in", substitute=b)  # undecided; the rostered director came himself
    approved = shift(16, state="substituted", substitute=b, substitution_approved=True)
    early = shift(17, state="signed_out", signed_in_at=dt.datetime(2024, 10, 17, 9, tzinfo=TZ),
                  signed_out_at=dt.datetime(2024, 10, 17, 9, 20, tzinfo=TZ))
    full = shift(18, state="signed_out", signed_in_at=dt.datetime(2024, 10, 18, 9, tzinfo=TZ),
                 signed_out_at=dt.datetime(2024, 10, 18, 16, 30, tzinfo=TZ))
    new = migrate_to(AFTER).get_model("halls", "DutyShift").objects
    assert new.filter(pk=filed).values_list("state", "substitute_id").get() == ("substituted", b.pk)
    assert new.get(pk=lapsed).substitute_id is None
    assert new.get(pk=approved).substitute_id == b.pk
    assert new.get(pk=early).left_early and not new.get(pk=full).left_early
