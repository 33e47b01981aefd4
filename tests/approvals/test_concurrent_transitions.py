"""Two clerks act on the same case at the same moment, 200 times: exactly one wins each time.

Real threads, each with its own database connection, released together by a barrier; the
case is committed first (transaction=True) so both see it. PostgreSQL only: the row lock
(SELECT … FOR UPDATE) is what makes the second wait and then fail on the changed state;
SQLite serialises writers with a database lock and answers "database is locked" instead.
"""
import datetime as dt
import os
import threading
from concurrent.futures import ThreadPoolExecutor

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


class Racers:
    """Two threads that live through every round, each with its own database connection.

    Each round releases both steps together with a barrier. Keeping the threads (and so their
    connections) from round to round spares 400 connection set-ups, half of the test's 14 s.
    """

    def __init__(self, count=2):
        self.pool = ThreadPoolExecutor(max_workers=count)
        self.barrier = threading.Barrier(count, timeout=30)

    def race(self, steps):
        """Run each step in its own thread at once; what each returned or raised."""
        return [future.result(timeout=30) for future in [self.pool.submit(self._run, step) for step in steps]]

    def _run(self, step):
        try:
            self.barrier.wait()
            return ("won", step())
        except (StaleObject, NotAllowed) as exc:
            return ("lost", exc)
        except Exception as exc:  # anything else is a defect the assertion below names
            return ("error", exc)

    def close(self):
        # Each thread closes its own connection, so the test database is left with none open.
        self.race([connections.close_all] * self.barrier.parties)
        self.pool.shutdown()


@pytest.fixture
def racers():
    racers = Racers()
    yield racers
    racers.close()


def test_two_clerks_accepting_and_refusing_at_once_leave_one_winner(power, entrustment, clerk, racers):
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

        outcomes = racers.race([accept, refuse])
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
