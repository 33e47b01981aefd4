"""The edges of inserting plain rows (policyops.importing.writing): which values go to the
driver as they are, which columns are written, and the same rows as the ORM would write, on
SQLite (executemany) and on PostgreSQL (COPY, ids drawn from the sequence)."""
from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError, models, transaction

from policyops.importing import writing
from policyops.models import CalendarOverride, District, IndicatorReading, OfficialCalendarYear

postgresql_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="COPY and the sequences are PostgreSQL's")


@pytest.mark.parametrize(("field", "value", "as_is"), [
    (models.CharField(), "x", True), (models.CharField(), None, True), (models.IntegerField(), 3, True),
    (models.BooleanField(), True, True), (models.CharField(), 1.5, False), (models.IntegerField(), Decimal(3), False),
    (models.DecimalField(), Decimal("1.5"), True), (models.DecimalField(), None, True),
    (models.DecimalField(), Decimal("NaN"), False), (models.DecimalField(), 1, False),
    (models.DateField(), None, True), (models.DateField(), dt.date(2026, 3, 1), False),
    (models.DateTimeField(), None, True), (models.TimeField(), dt.time(9), False),
    (models.JSONField(), "x", False), (models.JSONField(), None, False),
])
def test_a_value_goes_to_the_driver_as_it_is_only_if_its_field_would_leave_it_so(field, value, as_is):
    assert writing._takes_as_is(field)(value) is as_is


def test_an_automatic_primary_key_is_written_only_when_asked():
    assert "id" not in [f.attname for f in writing._written_fields(District, with_pk=False)]
    assert [f.attname for f in writing._written_fields(District, with_pk=True)][0] == "id"


def test_a_primary_key_that_is_not_automatic_is_always_written():
    assert "session_key" in [f.attname for f in writing._written_fields(Session, with_pk=False)]


@pytest.mark.parametrize("model", [OfficialCalendarYear, IndicatorReading])
def test_a_model_with_a_value_computed_on_save_is_refused(model):
    with pytest.raises(ValueError, match="computed on save: use bulk_create$"):
        writing.insert_rows(model, [])


@pytest.mark.django_db
def test_no_rows_are_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert writing.insert_rows(District, []) == 0


@pytest.mark.django_db
def test_rows_are_written_with_their_values_prepared_and_the_defaults_filled_in():
    rows = [{"date": dt.date(2031, 1, 1), "is_working_day": False, "name": "元旦"},
            {"date": dt.date(2031, 1, 2), "is_working_day": True}]
    assert writing.insert_rows(CalendarOverride, rows) == 2
    saved = CalendarOverride.objects.filter(date__year=2031).order_by("date")
    assert [(o.date, o.is_working_day, o.name, o.official, o.note) for o in saved] == [
        (dt.date(2031, 1, 1), False, "元旦", False, ""), (dt.date(2031, 1, 2), True, "", False, "")]


@pytest.mark.django_db
def test_rows_carrying_their_primary_key_keep_it():
    writing.insert_rows(District, [{"id": 9001, "name": "测试区", "position": 99}], with_pk=True)
    assert District.objects.get(pk=9001).name == "测试区"


@pytest.mark.django_db
def test_a_duplicate_key_is_djangos_integrity_error(seeded):
    with pytest.raises(IntegrityError), transaction.atomic():
        writing.insert_rows(District, [{"name": "平度市", "position": 1}])


@pytest.mark.django_db
def test_no_objects_to_create_is_an_empty_list(seeded):
    from programs.roads.models import RoadProject

    assert writing.create_with_history([], RoadProject, default_date=dt.datetime(2019, 3, 1, tzinfo=dt.UTC)) == []


@postgresql_only
@pytest.mark.django_db
def test_reserved_ids_are_new_and_never_handed_out_twice(seeded):
    first = writing.reserve_ids(District, 3)
    second = writing.reserve_ids(District, 2)
    assert len(first) == 3 and len(second) == 2 and len(set(first + second)) == 5
    assert min(first + second) > max(District.objects.values_list("pk", flat=True))


@postgresql_only
@pytest.mark.django_db
def test_objects_created_with_history_know_their_rows_and_their_history_user(seeded):
    from programs.roads.models import RoadProject
    from tests.factories import UserFactory
    from tests.policyops.test_import_pipeline import _road_projects

    district, at = District.objects.get(name="平度市"), dt.datetime(2019, 3, 1, 9, tzinfo=dt.UTC)
    made = writing.create_with_history(_road_projects(district, "丙", 2), RoadProject, default_date=at)
    assert all(not p._state.adding and p._state.db == "default" for p in made)
    assert [RoadProject.objects.get(pk=p.pk).name for p in made] == ["丙0", "丙1"]
    history = RoadProject.history.filter(id__in=[p.pk for p in made])
    assert {(h.history_type, h.history_user_id, h.history_date) for h in history} == {("+", None, at)}
    user = UserFactory()
    [one] = writing.create_with_history(_road_projects(district, "丁", 1), RoadProject, default_user=user,
                                        default_date=at)
    assert RoadProject.history.get(id=one.pk).history_user_id == user.pk
