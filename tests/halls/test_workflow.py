"""Hall duty on the workflow kernel: conditions read the acting moment, steps are declared once."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from policyops import workflow
from policyops.errors import ConditionFailed
from policyops.workflow import acting_on, condition_message
from programs.halls import actions, codes, guards, services
from programs.halls.models import DutyShift, Problem
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, DutyShiftFactory, at

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def pair(hall):
    a, b = make_director(hall, "张局长"), make_director(hall, "李局长")
    return a, b, DutyShiftFactory(director=a, date=DAY)


def test_the_steps_are_registered_for_shifts_and_problems():
    assert list(workflow.workflow_for(DutyShift).actions) == [a.name for a in actions.SHIFT_ACTIONS]
    assert {"sign_in", "sign_out", "mark_missed"}.isdisjoint(workflow.workflow_for(DutyShift).actions)
    assert list(workflow.workflow_for(Problem).actions) == ["start_rectification", "mark_rectified", "reopen"]


def test_conditions_read_the_acting_moment_not_the_instance(pair):
    _a, _b, shift = pair
    with pytest.raises(RuntimeError):
        guards.before_start(shift)  # outside a check or a run there is no moment to act at
    with acting_on(at(8, 59)):
        assert guards.before_start(shift) and not guards.within_window(shift)
    with acting_on(at(9)):
        assert not guards.before_start(shift) and guards.within_window(shift)
    with acting_on(at(17)):
        assert guards.within_window(shift) and guards.after_window(shift)


def test_services_leave_no_moment_on_the_shift(pair, hall, rota_manager):
    a, b, shift = pair
    services.shift_file_substitution(shift=shift, substitute=b, reason="开会", acting_user=a.person.user,
                                     now=at(8, day=DAY - dt.timedelta(days=1)))
    signed = services.shift_sign(user=b.person.user, hall=hall, action="sign_in", now=at(9, 5),
                                 code=codes.current_code(hall.duty_settings.code_secret, at(9, 5))[0])
    for obj in (shift, signed):
        assert "as_of" not in vars(obj)
    assert signed.history.filter(state=DutyShift.State.SIGNED_IN).count() == 1  # one save, one history row


def test_a_refusal_names_the_condition_by_its_message(pair):
    a, b, shift = pair
    with pytest.raises(ConditionFailed) as exc:
        services.shift_file_substitution(shift=shift, substitute=b, reason="临时有事", acting_user=a.person.user,
                                         now=at(9, 30))
    assert str(condition_message(guards.before_start)) in str(exc.value)


def test_available_steps_for_the_director_and_the_supervisor(pair, rota_manager):
    a, b, shift = pair
    before, after = at(8, day=DAY - dt.timedelta(days=1)), at(9, 30)
    assert workflow.ready_action_names(shift, a.person.user, as_of=before) == ["file_substitution"]
    [filing] = workflow.available_actions(shift, a.person.user, as_of=after)
    assert not filing.ready and filing.reasons == (str(condition_message(guards.before_start)),)
    assert workflow.available_actions(shift, b.person.user, as_of=before) == []  # not their shift
    assert workflow.available_actions(shift, rota_manager, as_of=before) == []  # nothing to decide yet
    services.shift_file_substitution(shift=shift, substitute=b, reason="开会", acting_user=a.person.user, now=before)
    # A filing is in force at once (002:1978 备案): the supervisor's only step is to object, with a reason.
    assert workflow.ready_action_names(shift, rota_manager, as_of=before) == ["object_to_substitution"]
    assert workflow.ready_action_names(shift, a.person.user, as_of=before) == []


def test_my_shifts_offers_filing_only_while_the_kernel_does(client, pair, monkeypatch):
    a, _b, shift = pair
    client.force_login(a.person.user)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(18, day=DAY - dt.timedelta(days=1)))
    assert client.get(reverse("halls:my_shifts")).context["upcoming"][0]["can_file"]
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(8, 59))
    assert client.get(reverse("halls:my_shifts")).context["upcoming"][0]["can_file"]
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(9, 1))
    row = client.get(reverse("halls:my_shifts")).context["upcoming"][0]
    assert not row["can_file"] and not row["can_record"]


def test_publish_on_one_shift_publishes_its_month(client, hall, rota_manager):
    make_director(hall, "张局长"), make_director(hall, "李局长")
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    shift = DutyShift.objects.first()
    client.force_login(rota_manager)
    url = reverse("admin:halls_dutyshift_workflow_action", args=[shift.pk, "publish"])
    assert url in client.get(reverse("admin:halls_dutyshift_change", args=[shift.pk])).content.decode()
    assert client.post(url, {"_confirm": "1"}).status_code == 302
    assert set(DutyShift.objects.values_list("state", flat=True)) == {DutyShift.State.PUBLISHED}


def test_a_director_files_the_substitution_from_the_admin_step_page(client, pair, monkeypatch):
    a, b, shift = pair
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(18, day=DAY - dt.timedelta(days=1)))
    client.force_login(a.person.user)
    url = reverse("admin:halls_dutyshift_workflow_action", args=[shift.pk, "file_substitution"])
    assert url in client.get(reverse("admin:halls_dutyshift_change", args=[shift.pk])).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and set(page.context["form"].fields) == {"substitute", "reason"}
    assert client.post(url, {"_confirm": "1", "substitute": b.pk, "reason": "参加全市会议"}).status_code == 302
    shift.refresh_from_db()
    assert shift.state == DutyShift.State.SUBSTITUTED and shift.substitute == b
