import pytest
from django.core.management import call_command

from policyops import calendar
from policyops.roles import Role, group_for
from tests.factories import PersonFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # Overrides cached by an earlier test may have been rolled back with it.
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def seeded(db):
    call_command("load_seeds", verbosity=0)


def make_user(role=None, *, district=None, department=None, **kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    if role:
        user.groups.add(group_for(role))
    PersonFactory(user=user, name=user.username, district=district, department=department)
    return user


@pytest.fixture
def supervisor(db):
    return make_user(Role.SUPERVISOR)


@pytest.fixture
def assert_constant_queries(django_assert_num_queries):
    """Fetch ``url`` at two table sizes and prove the query count does not grow.

    ``grow(n)`` adds n more rows to the table the page lists.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def check(client, url, grow, small=3, large=25):
        grow(small)
        with CaptureQueriesContext(connection) as first:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        grow(large)
        with django_assert_num_queries(len(first.captured_queries)):
            response = client.get(url)
        assert response.status_code == 200
        return response

    return check
