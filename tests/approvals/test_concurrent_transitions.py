"""Two clerks act on the same case at the same moment, 200 times: exactly one wins each time.

Real threads, each with its own database connection, released together by a barrier; the
case is committed first (transaction=True) so both see it. PostgreSQL only: the row lock
(SELECT … FOR UPDATE) is what makes the second wait and then fail on the changed state;
SQLite serialises writers with a database lock and answers "database is locked" instead.
"""
import datetime as dt
import os
import threading

import pytest
from django.db import connection, connections

from approvals import services
from approvals.models import ApprovalCase
from policyops.errors import NotAllowed, StaleObject
from policyops.models import AuditEntry
from policyops.roles import Role
from tests.approvals.factories import pingdu, pingdu_authority, register_case
from tests.conftest import make_user

ROUNDS = 200
AS_OF = dt.date(2024, 9, 27)

pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                       reason="row locks between connections: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def race(steps):
    """Run each step in its own thread at once; what each returned or raised."""
    barrier = threading.Barrier(len(steps))
    outcomes = [None] * len(steps)

    def run(index, step):
        try:
            barrier.wait()
            outcomes[index] = ("won", step())
        except (StaleObject, NotAllowed) as exc:
            outcomes[index] = ("lost", exc)
        except Exception as exc:  # anything else is a defect the assertion below names
            outcomes[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, step)) for i, step in enumerate(steps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_clerks_accepting_and_refusing_at_once_leave_one_winner(power, entrustment, clerk):
    other_clerk = make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())
    wins = {"accept": 0, "refuse": 0}
    for _ in range(ROUNDS):
        case = register_case(power, clerk=clerk, received_on=AS_OF)

        # Both clerks opened the case before either acted: each holds a copy in the same
        # state (read here, not in the threads, where one could read after the other won).
        accept_copy, refuse_copy = (ApprovalCase.objects.get(pk=case.pk) for _ in range(2))

        def accept(copy=accept_copy):
            return services.case_accept(case=copy, acting_user=clerk, as_of=AS_OF) and "accept"

        def refuse(copy=refuse_copy):
            return services.case_refuse(case=copy, acting_user=other_clerk, as_of=AS_OF, reason="材料不实",
                                        refer_to="市测试委") and "refuse"

        outcomes = race([accept, refuse])
        assert sorted(kind for kind, _ in outcomes) == ["lost", "won"], outcomes
        winner = next(value for kind, value in outcomes if kind == "won")
        wins[winner] += 1
        case.refresh_from_db()
        expected = ApprovalCase.State.ACCEPTED if winner == "accept" else ApprovalCase.State.REFUSED
        assert case.state == expected
        actions = list(AuditEntry.objects.filter(object_id=str(case.pk), action__in=["accept", "refuse"])
                       .values_list("action", flat=True))
        assert actions == [winner]  # one audit row, the winner's; nothing of the loser half-written
    assert sum(wins.values()) == ROUNDS
    connection.close()
