"""The monthly briefing counts in SQL: its queries do not grow with the directors, shifts or ratings."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.halls.models import DutyShift, Problem
from programs.halls.selectors import monthly_briefing
from tests.halls.factories import (
    DirectorFactory,
    DutyShiftFactory,
    EvaluationFactory,
    ProblemFactory,
    WorkRecordFactory,
)

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = DutyShift.State
STATES = [S.SIGNED_OUT, S.SIGNED_IN, S.MISSED, S.SUBSTITUTED, S.PUBLISHED, S.SCHEDULED]


def add_directors(hall, first, count):
    """``count`` more directors of three departments, each with an October 2024 shift in a varied state
    (some covered by an A/B substitute, some still to come), ratings, a work record and a problem."""
    for k in range(first, first + count):
        department = ("市测试一局", "市测试二局", "市测试三局")[k % 3]
        director = DirectorFactory(hall=hall, name=f"局长{k:03d}", department_name=department, with_user=False)
        if k % 7 == 0:
            continue  # no shift at all: under the quota
        day = dt.date(2024, 10, 1) + dt.timedelta(days=k % 28)
        state = STATES[k % len(STATES)]
        signed_in = dt.datetime.combine(day, dt.time(9), tzinfo=TZ) + dt.timedelta(minutes=k % 30)
        substitute = DirectorFactory(hall=hall, name=f"副局长{k:03d}", department_name=department,
                                     with_user=False) if k % 4 == 0 else None
        shift = DutyShiftFactory(director=director, date=day, state=state, substitute=substitute,
                                 left_early=k % 5 == 0 and state == S.SIGNED_OUT,
                                 signed_in_at=signed_in if state in (S.SIGNED_IN, S.SIGNED_OUT) else None,
                                 signed_out_at=signed_in + dt.timedelta(hours=7) if state == S.SIGNED_OUT else None)
        for level in (1 + k % 5, 5):
            EvaluationFactory(shift=shift, level=level)
        ProblemFactory(record=WorkRecordFactory(shift=shift),
                       state=Problem.State.RECTIFIED if k % 2 else Problem.State.OPEN)


@pytest.fixture
def briefing_url(client, hall, supervisor, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: dt.datetime(2024, 10, 20, 10, tzinfo=TZ))
    client.force_login(supervisor)
    return lambda name: reverse(name, args=[2024, 10]) + f"?level=hall:{hall.pk}"


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("name", ["halls:briefing", "halls:briefing_xlsx"])
def test_the_page_and_the_xlsx_take_as_many_queries_for_30_directors_as_for_3(client, hall, briefing_url, name):
    add_directors(hall, 1, 3)
    few = queries_of(client, briefing_url(name))
    add_directors(hall, 4, 27)
    assert queries_of(client, briefing_url(name)) == few


def test_the_briefing_figures_take_five_queries(hall, django_assert_num_queries):
    # Attendance per director on duty, the directors under the quota, cases, ratings, problems.
    add_directors(hall, 1, 30)
    with django_assert_num_queries(5):
        briefing = monthly_briefing(halls=[hall], year=2024, month=10, as_of=dt.date(2024, 10, 20))
    assert briefing.total.due > 0 and briefing.under_quota and briefing.evaluation_count > 0
