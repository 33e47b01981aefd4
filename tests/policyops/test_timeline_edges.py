"""policyops.timeline at its edges (issue 11 #5): the system as actor, a model without states or
gone, an object without history, and the state column's every shape. The mutation runner found
each of these unpinned."""
import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from policyops import audit, timeline
from policyops.models import AuditEntry, District
from tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db

AT = dt.datetime(2024, 10, 9, 2, 30, tzinfo=dt.UTC)  # 10:30 in Asia/Shanghai


@pytest.fixture
def district(db):
    return DistrictFactory()


def test_a_step_nobody_took_reads_as_the_system(district):
    audit.record(obj=district, action="calendar_change", at=AT)
    (row,) = timeline.timeline(district)
    assert row.actor == "系统"


def test_a_model_without_states_shows_the_states_as_written(district):
    audit.record(obj=district, action="admin_change", from_state="东片", to_state="西片", at=AT)
    (row,) = timeline.timeline(district)
    assert (row.from_state, row.to_state) == ("东片", "西片")


def test_an_entry_read_on_its_own_takes_its_model_from_its_content_type(district):
    entry = audit.record(obj=district, action="register", at=AT)
    assert timeline.row_for(entry).action == "登记"  # ACTION_LABELS["register"], not the code


def test_an_entry_whose_model_is_gone_shows_its_codes():
    entry = AuditEntry(content_type=ContentType(app_label="gone", model="vanished"), at=AT, actor=None,
                       action="pause", from_state="under_review", to_state="paused", reason="expert_review")
    assert timeline.row_for(entry) == timeline.TimelineRow(
        at=timeline.local_time(AT), actor="系统", action="pause", code="pause", from_state="under_review",
        to_state="paused", reason="expert_review")


def test_an_object_not_saved_yet_has_an_empty_timeline():
    assert timeline.timeline(District(name="未保存的区")) == []


def test_an_object_without_history_shows_a_dash(district):
    assert timeline.timeline_html(district) == "—"


def state_change(from_state: str, to_state: str) -> str:
    return timeline.TimelineRow(at=AT, actor="系统", action="", code="", from_state=from_state, to_state=to_state,
                                reason="").change


def test_a_step_from_one_state_to_another_shows_both():
    assert state_change("审查中", "已暂停") == "审查中 → 已暂停"


def test_a_step_that_stays_in_its_state_shows_it_once():
    assert state_change("审查中", "审查中") == "审查中"


def test_a_step_into_a_first_state_shows_that_state():
    assert state_change("", "已受理") == "已受理"


def test_a_step_out_of_a_state_into_none_shows_the_state_it_left():
    assert state_change("已受理", "") == "已受理"


def test_a_step_without_states_shows_none():
    assert state_change("", "") == ""
