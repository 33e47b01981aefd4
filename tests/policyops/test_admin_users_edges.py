"""Edges of the user admin (policyops.admin_users) that the access matrix and the login-log tests do not
pin: the audit texts of an account's privileges, the reset link's mail and its refusals, who may change
which field, and the password column (found by mutation testing)."""
import re

import pytest
from axes.models import AccessLog
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from policyops import admin_users
from policyops.admin_users import (
    RESET_LINK_ACTION,
    UserAddForm,
    account_privileges,
    changed_leaving,
    permission_names,
    send_reset_link,
)
from policyops.audit import entries_for
from policyops.roles import Role, group_for
from tests.admin_pages import admin_request, model_admin, request_messages
from tests.conftest import make_user
from tests.pages import zh

pytestmark = pytest.mark.django_db
User = get_user_model()
MAIL_BODY = ("Open this link to set the password of your PolicyOps account “%(username)s”:\n\n%(link)s\n\n"
             "The link works once and expires in %(days)s days. If you did not ask for it, ignore this message.")


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.cn", "root-pw")


@pytest.fixture
def supervisor(db):
    return make_user(Role.SUPERVISOR, username="sup", email="sup@example.cn")


@pytest.fixture
def clerk(db):
    return make_user(Role.CLERK, username="clerk", email="clerk@example.cn")


def perms(*codenames):
    return Permission.objects.filter(codename__in=codenames)


# --- the audit texts -----------------------------------------------------------------------------------


def test_permission_names_are_app_and_codename_sorted():
    assert permission_names(perms("view_user", "add_group")) == "auth.add_group, auth.view_user"


def test_no_permission_is_named_as_a_dash():
    assert permission_names(Permission.objects.none()) == "—"


def test_an_accounts_privileges_name_its_roles_sorted_and_its_permissions(clerk):
    clerk.groups.add(Group.objects.create(name="甲组"))
    clerk.user_permissions.add(*perms("view_user"))
    roles = "、".join(sorted([group_for(Role.CLERK).name, "甲组"]))
    assert account_privileges(clerk) == (f"is_active=True is_staff=True is_superuser=False groups={roles} "
                                         "user_permissions=auth.view_user")


def test_an_account_without_roles_or_permissions_has_dashes(db):
    bare = User.objects.create_user("bare", is_active=False)
    assert account_privileges(bare) == ("is_active=False is_staff=False is_superuser=False groups=— "
                                        "user_permissions=—")


def test_a_changes_audit_reason_ends_with_the_privileges_after_it():
    assert changed_leaving([], "groups=—") == zh("%(change)s After the change: %(privileges)s",
                                                 change=admin_users.change_message_text([]),
                                                 privileges="groups=—")


def test_a_changed_accounts_audit_reason_names_its_privileges(clerk):
    assert model_admin(User).audit_reason(clerk, []) == changed_leaving([], account_privileges(clerk))


def test_a_changed_roles_audit_reason_names_its_permissions(db):
    role = Group.objects.create(name="审计测试角色")
    role.permissions.add(*perms("view_user"))
    assert admin.site._registry[Group].audit_reason(role, []) == changed_leaving([], "permissions=auth.view_user")


# --- the reset link ------------------------------------------------------------------------------------


def sent_link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_the_reset_link_mail_says_the_account_the_link_and_the_days_it_works(mailoutbox, supervisor, clerk):
    assert send_reset_link(admin_request(supervisor), clerk) is True
    (message,) = mailoutbox
    link = sent_link(message)
    assert link.startswith("http://testserver/admin/auth/user/password-reset/")
    assert message.subject == zh("Set your PolicyOps password")
    assert message.to == ["clerk@example.cn"]
    assert message.body == zh(MAIL_BODY, username="clerk", link=link, days=3)


def test_a_link_that_works_for_less_than_a_day_says_one_day(mailoutbox, settings, supervisor, clerk):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    send_reset_link(admin_request(supervisor), clerk)
    assert mailoutbox[0].body == zh(MAIL_BODY, username="clerk", link=sent_link(mailoutbox[0]), days=1)


def test_a_sent_link_is_audited_with_the_address_it_went_to(mailoutbox, supervisor, clerk):
    send_reset_link(admin_request(supervisor), clerk)
    entry = entries_for(clerk).get(action=RESET_LINK_ACTION)
    assert (entry.actor, entry.reason) == (supervisor, "clerk@example.cn")


def test_an_inactive_account_gets_no_link(mailoutbox, supervisor, clerk):
    clerk.is_active = False
    request = admin_request(supervisor)
    assert send_reset_link(request, clerk) is False
    assert mailoutbox == [] and not entries_for(clerk).filter(action=RESET_LINK_ACTION).exists()
    assert request_messages(request) == [("error", zh(
        "%(user)s: no reset link sent (the account is inactive or has no e-mail address).", user="clerk"))]


def test_an_account_without_an_address_gets_no_link(mailoutbox, supervisor, clerk):
    clerk.email = ""
    request = admin_request(supervisor)
    assert send_reset_link(request, clerk) is False
    assert mailoutbox == [] and len(request_messages(request)) == 1


def test_an_invalid_address_gets_no_link(mailoutbox, supervisor, clerk):
    clerk.email = "not-an-address"
    request = admin_request(supervisor)
    assert send_reset_link(request, clerk) is False
    assert mailoutbox == []
    assert request_messages(request) == [("error", zh(
        "%(user)s: no reset link sent (the e-mail address is not valid).", user="clerk"))]


def test_a_link_that_could_not_be_sent_is_said_and_not_audited(monkeypatch, supervisor, clerk):
    def refused(*args, **kwargs):
        raise OSError("连接被拒绝")

    monkeypatch.setattr(admin_users, "deliver_mail", refused)
    request = admin_request(supervisor)
    assert send_reset_link(request, clerk) is False
    assert not entries_for(clerk).filter(action=RESET_LINK_ACTION).exists()
    assert request_messages(request) == [("error", zh(
        "%(user)s: the reset link could not be sent (%(error)s).", user="clerk", error="连接被拒绝"))]


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses the connection, as SMTP's backend reports it unless told to keep silent."""

    def send_messages(self, email_messages):
        if not self.fail_silently:
            raise ConnectionRefusedError("连接被拒绝")
        return 0


def test_a_mail_server_that_refuses_the_link_is_said_not_swallowed(settings, supervisor, clerk):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    request = admin_request(supervisor)
    assert send_reset_link(request, clerk) is False
    assert not entries_for(clerk).filter(action=RESET_LINK_ACTION).exists()
    assert [level for level, _text in request_messages(request)] == ["error"]


def test_the_link_form_is_for_the_chosen_account_only(clerk, supervisor):
    form = admin_users.AccountResetLinkForm(clerk)
    assert list(form.get_users("sup@example.cn")) == [clerk]


def test_the_action_counts_the_links_it_sent(mailoutbox, supervisor, clerk):
    other = make_user(Role.CLERK, username="clerk2", email="clerk2@example.cn")
    request = admin_request(supervisor, "post")
    model_admin(User).send_password_reset_links(request, User.objects.filter(pk__in=[clerk.pk, other.pk]))
    assert len(mailoutbox) == 2
    assert request_messages(request) == [("success", zh("%(count)s reset link(s) sent.", count=2))]


def test_the_action_says_nothing_was_sent_when_no_link_went(mailoutbox, supervisor, clerk):
    clerk.is_active = False
    clerk.save()
    request = admin_request(supervisor, "post")
    model_admin(User).send_password_reset_links(request, User.objects.filter(pk=clerk.pk))
    assert [level for level, _text in request_messages(request)] == ["error"]


# --- a new account -------------------------------------------------------------------------------------


def test_a_new_account_needs_an_address(db):
    form = UserAddForm(data={"username": "newcomer", "email": "", "first_name": "", "last_name": ""})
    assert not form.is_valid() and "email" in form.errors


def test_a_new_account_unsaved_has_no_usable_password(db):
    form = UserAddForm(data={"username": "newcomer", "email": "n@example.cn", "first_name": "", "last_name": ""})
    assert form.is_valid()
    account = form.save(commit=False)
    assert account.pk is None and not account.has_usable_password()
    assert form.save().pk is not None


def test_an_account_added_without_an_address_gets_no_link_and_no_message(mailoutbox, root):
    account = User.objects.create_user("no_mail")
    request = admin_request(root, "post")
    entry = model_admin(User).log_addition(request, account, [{"added": {}}])
    assert isinstance(entry, LogEntry) and str(entry.object_id) == str(account.pk)
    assert mailoutbox == [] and request_messages(request) == []


def test_an_account_added_with_an_address_gets_a_link_and_says_so(mailoutbox, root):
    account = User.objects.create_user("with_mail", email="w@example.cn")
    request = admin_request(root, "post")
    model_admin(User).log_addition(request, account, [{"added": {}}])
    assert len(mailoutbox) == 1
    assert request_messages(request) == [("success", zh("A link to set the password was sent to %(email)s.",
                                                      email="w@example.cn"))]


# --- who may change what -------------------------------------------------------------------------------


def test_a_supervisor_may_change_a_clerk(supervisor, clerk):
    assert model_admin(User).has_change_permission(admin_request(supervisor), clerk)


def test_a_supervisor_deletes_no_account_without_the_permission(supervisor, clerk):
    assert not model_admin(User).has_delete_permission(admin_request(supervisor), clerk)


def test_who_may_delete_accounts_deletes_a_clerk_but_not_a_superuser(clerk, root):
    deleter = make_user(Role.SUPERVISOR, username="deleter")
    deleter.user_permissions.add(*perms("delete_user"))
    deleter = User.objects.get(pk=deleter.pk)  # its permissions read afresh
    request = admin_request(deleter)
    assert model_admin(User).has_delete_permission(request, clerk)
    assert not model_admin(User).has_delete_permission(request, root)


def test_a_superuser_may_change_and_delete_another_superuser(root):
    other = User.objects.create_superuser("root2", "root2@example.cn", "pw")
    request = admin_request(root)
    assert model_admin(User).has_change_permission(request, other)
    assert model_admin(User).has_delete_permission(request, other)


def test_a_supervisor_may_change_accounts_in_general(supervisor):
    assert model_admin(User).has_change_permission(admin_request(supervisor))


def test_a_superusers_read_only_fields_are_the_dates_and_the_password(root, clerk):
    assert model_admin(User).get_readonly_fields(admin_request(root), clerk) == ["password_state", "last_login",
                                                                         "date_joined"]


def test_a_supervisor_sets_no_privilege_but_their_own_address(supervisor):
    readonly = model_admin(User).get_readonly_fields(admin_request(supervisor), supervisor)
    assert set(admin_users.PRIVILEGE_FIELDS) <= set(readonly) and "email" not in readonly


def test_a_supervisor_sets_no_other_accounts_address(supervisor, clerk):
    assert "email" in model_admin(User).get_readonly_fields(admin_request(supervisor), clerk)


def test_a_supervisor_sets_the_address_of_a_new_account(supervisor):
    readonly = model_admin(User).get_readonly_fields(admin_request(supervisor))
    assert "email" not in readonly and "is_staff" in readonly


def test_a_supervisors_save_that_grants_staff_is_refused(supervisor, clerk):
    clerk.is_staff = False
    with pytest.raises(PermissionDenied):
        model_admin(User).save_model(admin_request(supervisor, "post"), clerk, None, True)
    assert User.objects.get(pk=clerk.pk).is_staff


def test_a_supervisors_save_that_changes_no_privilege_is_saved(supervisor, clerk):
    clerk.first_name = "改名"
    model_admin(User).save_model(admin_request(supervisor, "post"), clerk, None, True)
    assert User.objects.get(pk=clerk.pk).first_name == "改名"


def test_a_supervisor_adds_an_account_without_staff_status(supervisor):
    account = User(username="plain")
    model_admin(User).save_model(admin_request(supervisor, "post"), account, None, False)
    assert account.pk is not None


def test_a_supervisor_may_not_add_a_staff_account(supervisor):
    with pytest.raises(PermissionDenied):
        model_admin(User).save_model(admin_request(supervisor, "post"), User(username="boss", is_staff=True),
                                     None, False)
    assert not User.objects.filter(username="boss").exists()


def test_a_superuser_grants_staff_status(root, clerk):
    clerk.is_superuser = True
    model_admin(User).save_model(admin_request(root, "post"), clerk, None, True)
    assert User.objects.get(pk=clerk.pk).is_superuser


# --- the password column and page ----------------------------------------------------------------------


def test_an_account_not_found_is_none(supervisor):
    assert model_admin(User).get_object(admin_request(supervisor), "999999") is None


def test_the_password_column_of_no_account_is_a_dash():
    assert model_admin(User).password_state(None) == "—"
    assert model_admin(User).password_state(User(username="unsaved")) == "—"


def test_ones_own_password_column_links_to_the_change_page(supervisor):
    me = model_admin(User).get_object(admin_request(supervisor), str(supervisor.pk))
    html = model_admin(User).password_state(me)
    assert html.startswith(zh("a password is set"))
    assert reverse("admin:password_change") in html and zh("Change my password") in html


def test_another_accounts_password_column_says_only_its_owner_sets_it(supervisor, clerk):
    clerk.set_unusable_password()
    clerk.save()
    other = model_admin(User).get_object(admin_request(supervisor), str(clerk.pk))
    html = model_admin(User).password_state(other)
    assert html.startswith(zh("no password yet"))
    assert reverse("admin:password_change") not in html and 'class="help"' in html


def test_the_password_page_of_no_account_is_refused(supervisor):
    with pytest.raises(PermissionDenied):
        model_admin(User).user_change_password(admin_request(supervisor), "999999")


def test_the_reset_pages_are_named_after_the_user_model():
    names = {pattern.name for pattern in model_admin(User).get_urls()}
    assert {"auth_user_password_reset_confirm", "auth_user_password_reset_complete"} <= names


def test_the_reset_done_page_opens_without_login(client):
    response = client.get(reverse("admin:auth_user_password_reset_complete"))
    assert response.status_code == 200


# --- the login logs' search ----------------------------------------------------------------------------


def test_an_empty_search_lists_every_login(root):
    log_admin = admin.site._registry[AccessLog]
    rows = AccessLog.objects.all()
    found, may_have_duplicates = log_admin.get_search_results(admin_request(root), rows, "  ")
    assert found is rows and may_have_duplicates is False


def test_a_search_by_address_finds_its_logins(root):
    mine = AccessLog.objects.create(username="x", ip_address="10.1.2.3", user_agent="", http_accept="",
                                    path_info="/")
    AccessLog.objects.create(username="y", ip_address="10.1.2.4", user_agent="", http_accept="", path_info="/")
    found, may_have_duplicates = admin.site._registry[AccessLog].get_search_results(
        admin_request(root), AccessLog.objects.all(), " 10.1.2.3 ")
    assert list(found) == [mine] and may_have_duplicates is False
