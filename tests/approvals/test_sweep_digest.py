"""Overdue cases escalate as one digest per person and day (issue 12), counted per scope."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from approvals import reminders
from approvals.models import ApprovalCase
from policyops.models import District, Notification
from policyops.roles import Role
from tests.approvals.factories import pingdu, register_case
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2024, 10, 31)


def sweep(today=TODAY):
    with translation.override("en"):  # the texts' English msgids, whatever the catalogue says
        return reminders.sweep_cases(today=today, now=dt.datetime.combine(today, dt.time(8), ZoneInfo("Asia/Shanghai")))


def overdue_case(power, clerk, *, due_on, district=None, handler=None):
    """A case past its governing deadline (the only fact an overdue count reads), in ``district``."""
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 2))
    ApprovalCase.objects.filter(pk=case.pk).update(due_on=due_on, district=district or pingdu(), handler=handler)
    return ApprovalCase.objects.get(pk=case.pk)


def digests(day=TODAY):
    return {n.recipient.username: n for n in Notification.objects.filter(
        kind="case.overdue_digest", channel="inbox", due_date=day).select_related("recipient")}


@pytest.fixture
def laixi():
    return District.objects.get(name="莱西市")


@pytest.fixture
def two_districts(power, entrustment, clerk, head, supervisor, laixi):
    """Pingdu: 3 overdue (2 the clerk's, 1 a colleague's); Laixi: 1 (its clerk's); 1 not yet due."""
    colleague = make_user(Role.CLERK, district=pingdu())
    laixi_clerk = make_user(Role.CLERK, district=laixi)
    laixi_head = make_user(Role.DIRECTOR, district=laixi)
    cases = {
        "unassigned": overdue_case(power, clerk, due_on=D(2024, 10, 10)),  # the first contact answers for it
        "clerk's": overdue_case(power, clerk, due_on=D(2024, 10, 20), handler=clerk.person),
        "colleague's": overdue_case(power, clerk, due_on=D(2024, 10, 25), handler=colleague.person),
        "laixi": overdue_case(power, clerk, due_on=D(2024, 10, 8), district=laixi, handler=laixi_clerk.person),
        "not yet": overdue_case(power, clerk, due_on=TODAY, handler=clerk.person),
    }
    return {"colleague": colleague, "laixi_clerk": laixi_clerk, "laixi_head": laixi_head, "cases": cases}


def test_one_digest_per_recipient_per_day(two_districts, supervisor, head, clerk):
    sweep()
    assert sorted(digests()) == sorted([supervisor.username, head.username, clerk.username,
                                        two_districts["colleague"].username, two_districts["laixi_clerk"].username,
                                        two_districts["laixi_head"].username])
    assert Notification.objects.filter(kind="case.overdue").count() == 0  # no message per case any more


def test_a_supervisor_counts_every_district(two_districts, supervisor):
    sweep()
    assert digests()[supervisor.username].subject == \
        "Overdue cases in all districts: 4, the earliest due on 2024-10-08"


def test_a_head_counts_their_own_district(two_districts, head):
    sweep()
    assert digests()[head.username].subject == "Overdue cases in 平度市: 3, the earliest due on 2024-10-10"
    assert digests()[two_districts["laixi_head"].username].subject == \
        "Overdue cases in 莱西市: 1, the earliest due on 2024-10-08"


def test_the_responsible_person_counts_their_own_cases(two_districts, clerk):
    # The clerk handles one and is the first contact of the unassigned one; the colleague's is not theirs.
    sweep()
    assert digests()[clerk.username].subject == \
        "Overdue cases you are responsible for: 2, the earliest due on 2024-10-10"
    assert digests()[two_districts["colleague"].username].subject == \
        "Overdue cases you are responsible for: 1, the earliest due on 2024-10-25"


def test_the_digest_names_the_cases_longest_overdue_first(two_districts, head):
    sweep()
    cases = two_districts["cases"]
    numbers = [cases[k].number for k in ("unassigned", "clerk's", "colleague's")]
    assert digests()[head.username].body.splitlines()[1] == "、".join(numbers)


def test_a_person_with_two_scopes_gets_one_digest_with_both(two_districts, power, clerk, head):
    overdue_case(power, clerk, due_on=D(2024, 10, 28), handler=head.person)
    sweep()
    body = digests()[head.username].body
    assert "Overdue cases in 平度市: 4, the earliest due on 2024-10-10" in body
    assert "Overdue cases you are responsible for: 1, the earliest due on 2024-10-28" in body


def test_the_digest_names_ten_cases_and_says_how_many_more(power, entrustment, clerk, head):
    cases = [overdue_case(power, clerk, due_on=D(2024, 10, 1) + dt.timedelta(days=i)) for i in range(12)]
    sweep()
    assert digests()[head.username].body.splitlines()[1] == \
        "、".join(case.number for case in cases[:10]) + " and 2 more"


def test_the_digest_links_the_list_of_overdue_cases(two_districts, supervisor):
    sweep()
    assert digests()[supervisor.username].url == "/approvals/cases/?due=overdue"


def test_the_digest_is_keyed_on_its_recipient_and_the_day(two_districts, supervisor):
    sweep()
    digest = digests()[supervisor.username]
    assert (digest.content_type.model_class(), digest.object_id, digest.due_date) == \
        (type(supervisor), str(supervisor.pk), TODAY)


def test_a_second_sweep_the_same_day_adds_nothing(two_districts):
    first = sweep()
    assert first >= 6
    assert sweep() == 0


def test_the_next_day_brings_a_new_digest(two_districts, supervisor):
    sweep()
    sweep(D(2024, 11, 1))
    assert Notification.objects.filter(recipient=supervisor, kind="case.overdue_digest", channel="inbox").count() == 2
    # The case due on 10-31 is overdue on 11-01.
    assert digests(D(2024, 11, 1))[supervisor.username].subject.startswith("Overdue cases in all districts: 5,")


def test_no_overdue_case_no_digest(power, entrustment, clerk, supervisor):
    overdue_case(power, clerk, due_on=TODAY)  # due today: not overdue yet
    sweep()
    assert digests() == {}


def test_a_closed_case_is_not_counted(two_districts, supervisor):
    ApprovalCase.objects.filter(pk=two_districts["cases"]["laixi"].pk).update(state=ApprovalCase.State.WITHDRAWN)
    sweep()
    assert digests()[supervisor.username].subject.startswith("Overdue cases in all districts: 3,")
    assert two_districts["laixi_clerk"].username not in digests()
