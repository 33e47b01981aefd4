import pytest

from policyops.roles import Role
from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force, pingdu, pingdu_authority
from tests.conftest import make_user


@pytest.fixture
def clerk(db):
    return make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())


@pytest.fixture
def head(db):
    """The head of Pingdu's approval authority: may extend and assign."""
    return make_user(Role.DIRECTOR, district=pingdu(), department=pingdu_authority())


@pytest.fixture
def power(db):
    return DelegatedPowerFactory()


@pytest.fixture
def entrustment(power, supervisor):
    return entrustment_in_force([power], supervisor=supervisor)
