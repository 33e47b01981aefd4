"""policyops.admin_site keeps the admin's app list per permission set; the sidebar per list and page.

What is kept must be what Django builds on each request: the lists are compared with
Django's own for every role, and the sidebar's HTML with Django's template.
"""
from pathlib import Path

import django.contrib.admin
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.utils import translation

from policyops.admin_site import PolicyOpsAdminSite, permission_key
from policyops.roles import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

ROLES = [Role.CLERK, Role.PROGRAMME_MANAGER, Role.DIRECTOR, Role.SUPERVISOR, None]


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _plain(app_list):
    return [(app["app_label"], app["app_url"], [(m["object_name"], str(m["name"]), m["perms"], m["admin_url"],
                                                 m["add_url"], m.get("view_only")) for m in app["models"]])
            for app in app_list]


def test_the_default_site_is_ours():
    assert isinstance(admin.site, PolicyOpsAdminSite)


@pytest.mark.parametrize("role", ROLES)
def test_kept_app_list_equals_djangos_for_each_role(seeded, role):
    user = make_user(role)
    kept = admin.site.get_app_list(_request(user))
    djangos = admin.AdminSite.get_app_list(admin.site, _request(get_user_model().objects.get(pk=user.pk)))
    assert _plain(kept) == _plain(djangos)


def test_kept_app_list_equals_djangos_for_a_superuser(seeded):
    user = make_user(is_superuser=True)
    assert _plain(admin.site.get_app_list(_request(user))) == _plain(admin.AdminSite.get_app_list(admin.site,
                                                                                                 _request(user)))


def test_two_users_of_one_role_share_the_kept_list(seeded):
    first, second = make_user(Role.CLERK), make_user(Role.CLERK)
    assert admin.site.get_app_list(_request(first)) is admin.site.get_app_list(_request(second))


def test_another_permission_gives_another_list(seeded):
    user = make_user(Role.CLERK)
    before = admin.site.get_app_list(_request(user))
    user.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    user = get_user_model().objects.get(pk=user.pk)  # Django keeps the permissions per user object
    after = admin.site.get_app_list(_request(user))
    assert after is not before
    assert "AuditEntry" in {m["object_name"] for app in after for m in app["models"]}
    assert "AuditEntry" not in {m["object_name"] for app in before for m in app["models"]}


def test_the_language_is_part_of_the_key(seeded):
    user = make_user(Role.SUPERVISOR)
    with translation.override("en"):
        english = admin.site.get_app_list(_request(user))
    with translation.override("zh-hans"):
        chinese = admin.site.get_app_list(_request(user))
    assert str(english[0]["name"]) != str(chinese[0]["name"])


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "登录安全"), ("en", "Login security")])
def test_the_login_logs_are_headed_in_the_users_language(seeded, language, heading):
    with translation.override(language):
        app_list = admin.site.get_app_list(_request(make_user(is_superuser=True)))
        headings = {str(app["name"]) for app in app_list if app["app_label"] == "axes"}
    assert headings == {heading}


def test_permission_key_ignores_permissions_of_an_active_superuser(seeded):
    assert permission_key(make_user(is_superuser=True)) == permission_key(make_user(is_superuser=True))


def test_inactive_and_staff_flags_are_part_of_the_key(seeded):
    user = make_user(Role.CLERK)
    key = permission_key(user)
    user.is_staff = False
    assert permission_key(user) != key


def test_registering_a_model_admin_forgets_the_kept_lists(seeded):
    site = PolicyOpsAdminSite(name="scratch")
    user = make_user(is_superuser=True)
    assert site.get_app_list(_request(user)) == []
    site.register(Permission)
    try:
        assert [m["object_name"] for app in site.get_app_list(_request(user)) for m in app["models"]] == [
            "Permission"]
    finally:
        site.unregister(Permission)
    assert site.get_app_list(_request(user)) == []


def test_sidebar_body_is_djangos_nav_sidebar_word_for_word():
    djangos = Path(django.contrib.admin.__file__).parent / "templates" / "admin" / "nav_sidebar.html"
    ours = Path(__file__).resolve().parents[2] / "policyops" / "templates" / "admin" / "policyops" / \
        "nav_sidebar_body.html"
    assert ours.read_text() == djangos.read_text()


def _sidebar(html: str) -> str:
    start = html.index('<nav class="sticky" id="nav-sidebar"')
    return html[start:html.index("</nav>", start)]


def test_kept_sidebar_marks_the_current_model_of_each_page(seeded, client):
    client.force_login(make_user(Role.SUPERVISOR))
    cases = _sidebar(client.get("/admin/approvals/approvalcase/").content.decode())
    districts = _sidebar(client.get("/admin/policyops/district/").content.decode())
    cases_again = _sidebar(client.get("/admin/approvals/approvalcase/").content.decode())
    assert 'class="model-approvalcase current-model"' in cases
    assert 'class="model-approvalcase current-model"' not in districts
    assert 'class="model-district current-model"' in districts
    assert cases_again == cases


def test_the_sidebar_is_rendered_once_per_kept_list_and_page(seeded, client):
    admin.site.forget_app_lists()  # kept per process: another test may have rendered this one
    client.force_login(make_user(Role.SUPERVISOR))
    first = client.get("/admin/approvals/approvalcase/")
    second = client.get("/admin/approvals/approvalcase/")
    assert "admin/app_list.html" in [t.name for t in first.templates]
    assert "admin/app_list.html" not in [t.name for t in second.templates]
    assert 'id="nav-sidebar"' in second.content.decode()


def test_kept_sidebar_equals_djangos_rendering(seeded, client, settings):
    client.force_login(make_user(Role.CLERK))
    kept = _sidebar(client.get("/admin/approvals/approvalcase/").content.decode())
    # Django's own template in place of ours (the app directories of django.contrib.admin first).
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [Path(django.contrib.admin.__file__).parent / "templates"]}]
    djangos = _sidebar(client.get("/admin/approvals/approvalcase/").content.decode())
    assert kept == djangos
