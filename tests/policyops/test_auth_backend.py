"""policyops.auth_backend answers as Django's ModelBackend, in fewer queries."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from policyops.auth_backend import PolicyOpsModelBackend
from policyops.roles import Role, group_for
from tests.conftest import make_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize("role", [Role.CLERK, Role.PROGRAMME_MANAGER, Role.DIRECTOR, Role.SUPERVISOR])
def test_permissions_are_djangos_for_each_role(seeded, role):
    user = make_user(role)
    user.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    ours = PolicyOpsModelBackend().get_all_permissions(_fresh(user))
    assert ours == ModelBackend().get_all_permissions(_fresh(user))
    assert "policyops.view_auditentry" in ours


def test_permissions_come_in_one_query(seeded, django_assert_num_queries):
    user = _fresh(make_user(Role.CLERK))
    with django_assert_num_queries(1):
        PolicyOpsModelBackend().get_all_permissions(user)
    with django_assert_num_queries(0):
        assert PolicyOpsModelBackend().has_perm(user, "approvals.process_case")


def test_a_permission_held_both_ways_counts_once(seeded):
    user = make_user(Role.CLERK)
    user.user_permissions.add(Permission.objects.get(codename="process_case"))
    assert PolicyOpsModelBackend().get_all_permissions(_fresh(user)) == \
        ModelBackend().get_all_permissions(_fresh(user))


def test_a_superuser_and_an_inactive_user_as_django(seeded):
    superuser = UserFactory(is_superuser=True)
    inactive = make_user(Role.SUPERVISOR, is_active=False)
    for user in (superuser, inactive):
        assert PolicyOpsModelBackend().get_all_permissions(_fresh(user)) == \
            ModelBackend().get_all_permissions(_fresh(user))
    assert PolicyOpsModelBackend().get_all_permissions(_fresh(inactive)) == set()


def test_a_user_without_groups_or_permissions_has_none(db):
    assert PolicyOpsModelBackend().get_all_permissions(_fresh(UserFactory())) == set()


def test_get_user_brings_the_person_along(seeded, django_assert_num_queries):
    user = make_user(Role.CLERK)
    with django_assert_num_queries(1):
        loaded = PolicyOpsModelBackend().get_user(user.pk)
        assert loaded.person.name == user.username


def test_get_user_of_an_account_without_a_person(db, django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(1):
        loaded = PolicyOpsModelBackend().get_user(user.pk)
        assert getattr(loaded, "person", None) is None


def test_get_user_refuses_an_inactive_or_missing_user(db):
    assert PolicyOpsModelBackend().get_user(UserFactory(is_active=False).pk) is None
    assert PolicyOpsModelBackend().get_user(987654) is None


def test_a_group_granted_later_shows_on_the_next_request(seeded):
    user = make_user()
    assert not PolicyOpsModelBackend().has_perm(_fresh(user), "approvals.process_case")
    user.groups.add(group_for(Role.CLERK))
    assert PolicyOpsModelBackend().has_perm(_fresh(user), "approvals.process_case")


def test_signing_in_uses_this_backend_and_a_page_loads_the_user_in_one_query(seeded, client):
    user = make_user(Role.CLERK)
    response = client.post("/admin/login/", {"username": user.username, "password": "pw-for-tests"})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "policyops.auth_backend.PolicyOpsModelBackend"


def test_a_signed_in_request_reads_its_session_from_the_cache(seeded, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user(Role.CLERK))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/inbox/").status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]


def test_signing_out_ends_the_session_in_the_cache_too(seeded, client):
    from django.conf import settings

    client.force_login(make_user(Role.CLERK))
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value  # as a copied cookie would be replayed
    assert client.get("/inbox/").status_code == 200  # the session is in the cache now
    client.post("/admin/logout/")
    client.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert client.get("/inbox/").status_code == 302  # to the login page


def test_signed_in_pages_keep_working_when_the_session_cache_is_down(seeded, client, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis is not answering")

    client.force_login(make_user(Role.CLERK))
    for method in ("get", "set", "delete", "has_key"):
        monkeypatch.setattr(cache, method, down)
    assert client.get("/inbox/").status_code == 200  # the session read from the database
    client.post("/admin/logout/")
    assert client.get("/inbox/").status_code == 302  # signed out all the same
