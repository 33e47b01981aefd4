import pytest

from policyops.roles import Role
from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force, pingdu, pingdu_authority
from tests.conftest import make_user


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
