import functools

import pytest

from policyops.roles import Role
from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force, pingdu, pingdu_authority
from tests.conftest import freeze_localdate, make_user


@pytest.fixture
def clerk(db):
    return make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())


@pytest.fixture
def head(db):
    """The head of Pingdu's approval authority: may extend (Art. 42) and assign."""
    from approvals.models import AuthorityHead

    user = make_user(Role.DIRECTOR, district=pingdu(), department=pingdu_authority())
    AuthorityHead.objects.update_or_create(authority=pingdu_authority(), defaults={"person": user.person})
    return user


@pytest.fixture
def power(db):
    return DelegatedPowerFactory()


@pytest.fixture
def entrustment(power, supervisor):
    return entrustment_in_force([power], supervisor=supervisor)


@pytest.fixture
def case(power, entrustment, clerk):
    """Registered by the clerk on Friday 2024-09-27, not yet accepted."""
    import datetime as dt

    from tests.approvals.factories import register_case

    return register_case(power, clerk=clerk, received_on=dt.date(2024, 9, 27))


@pytest.fixture
def review_case(power, entrustment, clerk, head):
    """Received and accepted on 2024-09-27, handled and under review by the clerk: legally due
    2024-10-30 (the reminder and sweep tests count from it). Not built on ``case``, which a
    module may define anew."""
    import datetime as dt

    from approvals import services
    from tests.approvals.factories import register_case

    case = register_case(power, clerk=clerk, received_on=dt.date(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=dt.date(2024, 9, 27))
    services.case_assign(cases=[case], handler=clerk.person, acting_user=head)
    services.case_start_review(case=case, acting_user=clerk, as_of=dt.date(2024, 9, 27))
    return case


@pytest.fixture
def today(monkeypatch):
    """Freeze the date the pages and the admin act on (timezone.localdate); returns a setter."""
    return functools.partial(freeze_localdate, monkeypatch)
