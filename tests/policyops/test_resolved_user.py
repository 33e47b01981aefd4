"""policyops.scoping.user_has_perm and the resolved request.user (policyops.middleware)."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission
from django.utils.functional import SimpleLazyObject

from policyops.roles import Role
from policyops.scoping import user_has_perm
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("perm", ["approvals.process_case", "approvals.assign_case", "policyops.view_all_districts"])
def test_user_has_perm_answers_as_django(seeded, perm):
    user = make_user(Role.CLERK)
    assert user_has_perm(user, perm) is user.has_perm(perm)


def test_user_has_perm_asks_django_once_per_user_object(seeded, django_assert_num_queries):
    user = make_user(Role.CLERK)
    user_has_perm(user, "approvals.process_case")
    with django_assert_num_queries(0):
        assert user_has_perm(user, "approvals.process_case") is True


def test_user_has_perm_follows_the_flags_django_reads_live(seeded):
    user = make_user(Role.CLERK)
    assert user_has_perm(user, "approvals.process_case") is True
    user.is_active = False
    assert user_has_perm(user, "approvals.process_case") is False
    user.is_active, user.is_superuser = True, True
    assert user_has_perm(user, "approvals.delete_approvalcase") is True


def test_user_has_perm_of_an_anonymous_user_is_false():
    assert user_has_perm(AnonymousUser(), "approvals.process_case") is False


def test_user_has_perm_sees_a_new_permission_on_a_new_user_object(seeded):
    user = make_user(Role.CLERK)
    assert user_has_perm(user, "policyops.view_auditentry") is False
    user.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    assert user_has_perm(get_user_model().objects.get(pk=user.pk), "policyops.view_auditentry") is True


def test_views_receive_the_user_itself_not_a_lazy_proxy(seeded, client):
    user = make_user(Role.CLERK)
    client.force_login(user)
    request = client.get("/").wsgi_request
    assert not isinstance(request.user, SimpleLazyObject)
    assert request.user == user


def test_anonymous_requests_get_the_anonymous_user(client):
    request = client.get("/admin/login/").wsgi_request
    assert isinstance(request.user, AnonymousUser)
