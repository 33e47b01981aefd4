"""Doors that wrote hall-duty data around the services, each closed (these tests failed before).

1. The work-record admin attached cases without ``approvals.services.case_take_first_contact``
   (no "received at this hall that day" check, no first-contact person).
2. ``Problem.status`` was a free field of the page's formset and of the admin inline.
3. ``left_without_sign_out`` was written with ``queryset.update()``: no history row.
"""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import services as approval_services
from policyops.audit import entries_for
from policyops.models import Person
from policyops.roles import Role
from programs.halls import codes, services
from programs.halls.models import DutyShift, Problem, WorkRecord
from tests.approvals.factories import DelegatedPowerFactory, pingdu_authority
from tests.conftest import make_user
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, DirectorFactory, DutyShiftFactory, HallFactory, at

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
STEP = "admin:halls_dutyshift_workflow_action"


@pytest.fixture
def on_duty(hall):
    """张局长 (of the hall's district) signed in at 09:05 on DAY."""
    director = make_director(hall, "张局长")
    Person.objects.filter(pk=director.person_id).update(district=hall.district)
    shift = DutyShiftFactory(director=director, date=DAY)
    services.shift_sign(user=director.person.user, hall=hall,
                        code=codes.current_code(hall.duty_settings.code_secret, at(9, 5))[0], action="sign_in",
                        now=at(9, 5))
    return DutyShift.objects.get(pk=shift.pk)


def register_case(hall, received_on=DAY, name="测试申请人"):
    pingdu_authority()
    clerk = make_user(Role.CLERK, district=hall.district)
    return approval_services.case_register(
        power=DelegatedPowerFactory(), applicant_name=name, applicant_type="organisation",
        applicant_phone="0532-88812345", received_hall=hall, first_contact=clerk.person, received_on=received_on,
        materials=[("申请书", True)], acting_user=clerk)


def stored_follow_up(problem) -> str:
    """The problem's stored follow-up value, whatever the column is called (``status`` before the fix)."""
    row = Problem.objects.filter(pk=problem.pk).values().get()
    return row.get("state", row.get("status"))


def problem_data(problem, **extra):
    """The page's problem formset with one existing problem."""
    return {"problems-TOTAL_FORMS": "1", "problems-INITIAL_FORMS": "1", "problems-MIN_NUM_FORMS": "0",
            "problems-MAX_NUM_FORMS": "1000", "problems-0-id": str(problem.pk),
            "problems-0-description": problem.description, "problems-0-proposal": problem.proposal, **extra}


# --- 1. Cases reach a work record only through case_take_first_contact ---------------------------------


def test_the_work_record_admin_attaches_no_case_from_its_form(client, hall, on_duty):
    elsewhere = register_case(hall, received_on=DAY - dt.timedelta(days=3))
    user = on_duty.director.person.user
    record = services.work_record_save(shift=on_duty, acting_user=user, cases=[], opinions="")
    client.force_login(user)
    client.post(reverse("admin:halls_workrecord_change", args=[record.pk]), {
        "cases": [elsewhere.pk], "opinions": "改过", "problems-TOTAL_FORMS": "0", "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0", "problems-MAX_NUM_FORMS": "1000", "_save": "1"})
    record.refresh_from_db()
    assert not record.cases.exists() and record.opinions == ""
    elsewhere.refresh_from_db()
    assert elsewhere.first_contact.user_id != user.pk


def test_the_admin_edits_a_work_record_through_the_service(client, hall, on_duty):
    here, elsewhere = register_case(hall, name="当天本厅"), register_case(hall, received_on=DAY - dt.timedelta(days=3))
    director = on_duty.director
    client.force_login(director.person.user)
    record = services.work_record_save(shift=on_duty, acting_user=director.person.user, cases=[], opinions="")
    page = client.get(reverse("admin:halls_workrecord_change", args=[record.pk])).content.decode()
    url = reverse(STEP, args=[on_duty.pk, "record_work"])
    assert url in page and 'name="opinions"' not in page  # read here, written by the step
    response = client.post(url, {"_confirm": "1", "cases": elsewhere.number, "opinions": "群众建议"})
    assert response.status_code == 200 and "cases" in response.context["form"].errors
    assert not WorkRecord.objects.get(pk=record.pk).cases.exists()
    response = client.post(url, {"_confirm": "1", "cases": here.number, "opinions": "群众建议"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert list(record.cases.all()) == [here] and record.opinions == "群众建议"
    here.refresh_from_db()
    assert here.first_contact == director.person
    assert entries_for(here).filter(action="first_contact").exists()


def test_a_work_record_reads_case_numbers_typed_in_full_width_or_lower_case(client, hall, on_duty):
    first, second = register_case(hall, name="甲"), register_case(hall, name="乙")
    client.force_login(on_duty.director.person.user)
    full_width = first.number.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "pd-0123456789"})
    response = client.post(reverse(STEP, args=[on_duty.pk, "record_work"]),
                           {"_confirm": "1", "cases": f"{full_width}，{second.number.lower()}", "opinions": ""})
    assert response.status_code == 302, response.context["form"].errors
    assert set(WorkRecord.objects.get(shift=on_duty).cases.all()) == {first, second}


def test_only_the_director_on_duty_gets_the_work_record_step(client, hall, on_duty, rota_manager):
    client.force_login(rota_manager)
    response = client.get(reverse("admin:halls_dutyshift_change", args=[on_duty.pk]))
    assert reverse(STEP, args=[on_duty.pk, "record_work"]) not in response.content.decode()
    response = client.post(reverse(STEP, args=[on_duty.pk, "record_work"]), {"_confirm": "1", "cases": "",
                                                                             "opinions": "代写"})
    assert not WorkRecord.objects.filter(shift=on_duty).exists()


def test_no_work_record_before_the_director_signed_in(hall):
    director = make_director(hall, "李局长")
    shift = DutyShiftFactory(director=director, date=DAY)
    from policyops.errors import ConditionFailed

    with pytest.raises(ConditionFailed):
        services.work_record_save(shift=shift, acting_user=director.person.user, cases=[], opinions="x")


# --- 2. A problem's follow-up moves by its steps, never from a form ------------------------------------


@pytest.fixture
def problem(on_duty):
    record = services.work_record_save(shift=on_duty, acting_user=on_duty.director.person.user, cases=[],
                                       opinions="")
    return Problem.objects.create(record=record, description="材料清单不一致", proposal="统一清单")


def test_the_work_record_page_cannot_set_a_problems_state(client, problem, on_duty, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(12))
    client.force_login(on_duty.director.person.user)
    url = reverse("halls:work_record", args=[on_duty.pk])
    response = client.post(url, {"cases": "", "opinions": "", **problem_data(
        problem, **{"problems-0-status": "rectified", "problems-0-state": "rectified"})})
    assert response.status_code == 302
    assert stored_follow_up(problem) == "open"


def test_the_page_offers_the_steps_and_runs_them_through_the_service(client, problem, on_duty, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(12))
    client.force_login(on_duty.director.person.user)
    page = client.get(reverse("halls:work_record", args=[on_duty.pk])).content.decode()
    start = reverse("halls:problem_step", args=[problem.pk, "start_rectification"])
    done = reverse("halls:problem_step", args=[problem.pk, "mark_rectified"])
    assert start in page and done in page
    assert reverse("halls:problem_step", args=[problem.pk, "reopen"]) not in page  # not from "open"
    assert client.get(done).status_code == 405
    assert client.post(done).status_code == 302
    problem = Problem.objects.get(pk=problem.pk)
    assert problem.state == Problem.State.RECTIFIED
    entry = entries_for(problem).get(action="mark_rectified")
    assert (entry.from_state, entry.to_state, entry.actor) == ("open", "rectified", on_duty.director.person.user)
    assert problem.history.order_by("-history_id").first().state == Problem.State.RECTIFIED
    client.post(done)  # again: refused with a message, nothing changes
    assert entries_for(problem).filter(action="mark_rectified").count() == 1


def test_the_admin_inline_shows_the_state_and_the_step_page_moves_it(client, problem, rota_manager):
    client.force_login(rota_manager)
    record_url = reverse("admin:halls_workrecord_change", args=[problem.record_id])
    page = client.get(record_url).content.decode()
    assert 'name="problems-0-state"' not in page and 'name="problems-0-status"' not in page
    assert reverse("admin:halls_problem_change", args=[problem.pk]) in page
    client.post(record_url, {"problems-TOTAL_FORMS": "1", "problems-INITIAL_FORMS": "1",
                             "problems-MIN_NUM_FORMS": "0", "problems-MAX_NUM_FORMS": "1000",
                             "problems-0-id": problem.pk, "problems-0-record": problem.record_id,
                             "problems-0-description": "x", "problems-0-status": "rectified",
                             "problems-0-state": "rectified", "_save": "1"})
    assert stored_follow_up(problem) == "open"
    step = reverse("admin:halls_problem_workflow_action", args=[problem.pk, "start_rectification"])
    assert step in client.get(reverse("admin:halls_problem_change", args=[problem.pk])).content.decode()
    assert client.post(step, {"_confirm": "1"}).status_code == 302
    assert Problem.objects.get(pk=problem.pk).state == Problem.State.IN_PROGRESS


def test_supervisors_mark_problems_rectified_in_bulk(client, problem, rota_manager):
    client.force_login(rota_manager)
    client.post(reverse("admin:halls_problem_changelist"),
                {"action": "workflow_mark_rectified", ACTION_CHECKBOX_NAME: [problem.pk]})
    assert Problem.objects.get(pk=problem.pk).state == Problem.State.RECTIFIED


def test_another_districts_staff_cannot_move_a_problem(client, problem):
    from policyops.models import District

    laixi = District.objects.get_or_create(name="莱西市", defaults={"position": 5})[0]
    outsider = make_user(Role.DIRECTOR, district=laixi)
    client.force_login(outsider)
    assert client.post(reverse("halls:problem_step", args=[problem.pk, "mark_rectified"])).status_code == 404
    assert Problem.objects.get(pk=problem.pk).state == Problem.State.OPEN


# --- 3. The window sweep's flag leaves a history row, in a constant number of queries -----------------------


def _signed_in_shifts(n):
    hall = HallFactory()
    shifts = []
    for i in range(n):
        director = DirectorFactory(hall=hall, with_user=False)
        shifts.append(DutyShiftFactory(director=director, date=DAY, state=DutyShift.State.SIGNED_IN,
                                       signed_in_at=at(9, 5)))
    return shifts


def test_left_without_sign_out_is_recorded_in_the_history(hall):
    [shift] = _signed_in_shifts(1)
    assert services.shifts_close_windows(now=at(17, 30)) == {"missed": 0, "flagged": 1}
    shift = DutyShift.objects.get(pk=shift.pk)
    assert shift.left_without_sign_out
    latest = shift.history.order_by("-history_id").first()
    assert latest.left_without_sign_out and latest.history_type == "~" and latest.history_date == at(17, 30)


def test_the_sweeps_flag_costs_the_same_queries_for_two_or_twenty_shifts(hall):
    _signed_in_shifts(2)
    with CaptureQueriesContext(connection) as few:
        assert services.shifts_close_windows(now=at(17, 30))["flagged"] == 2
    _signed_in_shifts(20)
    with CaptureQueriesContext(connection) as many:
        assert services.shifts_close_windows(now=at(17, 31))["flagged"] == 20
    assert len(many.captured_queries) == len(few.captured_queries)
