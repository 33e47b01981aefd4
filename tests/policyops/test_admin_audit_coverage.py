"""Every write made through the admin leaves an audit row: accounts, roles, schedules and
lockouts as much as the policy data (AuditedAdminMixin)."""
import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from policyops.admin_base import AuditedAdminMixin, ReadOnlyAdminMixin
from policyops.audit import entries_for
from policyops.models import AuditEntry
from policyops.roles import Role, group_for
from tests.conftest import make_user
from tests.policyops.test_access_matrix import admin_url, offered_form_data

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def root(seeded):
    return User.objects.create_superuser("root", "root@example.cn", "root-pw")


@pytest.fixture
def web(root):
    client = Client()
    client.force_login(root)
    return client


def test_every_admin_that_writes_is_audited():
    unaudited = [model._meta.label for model, model_admin in admin.site._registry.items()
                 if not isinstance(model_admin, (AuditedAdminMixin, ReadOnlyAdminMixin))]
    assert unaudited == []


def test_making_a_clerk_a_supervisor_is_audited_with_the_roles_after_it(web, root):
    clerk = make_user(Role.CLERK, username="clerk_a")
    data = {**offered_form_data(web, clerk), "groups": [group_for(Role.CLERK).pk, group_for(Role.SUPERVISOR).pk]}
    assert web.post(admin_url(User, "change", clerk.pk), data).status_code == 302
    row = entries_for(clerk).get(action="admin_change")
    assert row.actor == root
    assert row.reason.startswith("已修改组。修改后：") and "Groups" not in row.reason
    assert f"groups={'、'.join(sorted([group_for(Role.CLERK).name, group_for(Role.SUPERVISOR).name]))} " in row.reason
    assert "is_superuser=False" in row.reason


def test_granting_superuser_status_is_audited(web, root):
    clerk = make_user(Role.CLERK, username="clerk_b")
    data = {**offered_form_data(web, clerk), "is_superuser": "on"}
    assert web.post(admin_url(User, "change", clerk.pk), data).status_code == 302
    assert "is_superuser=True" in entries_for(clerk).get(action="admin_change", actor=root).reason


def test_a_new_account_is_audited_before_its_link(web, root):
    response = web.post(reverse("admin:auth_user_add"), {
        "username": "newcomer", "email": "new@example.cn", "first_name": "新", "last_name": "人", "_save": "1"})
    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert [(row.action, row.actor) for row in entries_for(newcomer).order_by("id")] == [
        ("admin_add", root), ("send_password_reset_link", root)]


def test_a_roles_permissions_change_is_audited_with_the_permissions_after_it(web, root):
    role = Group.objects.create(name="测试角色")
    permission = Permission.objects.get(codename="assign_case")
    response = web.post(admin_url(Group, "change", role.pk), {"name": "测试角色", "permissions": [permission.pk]})
    assert response.status_code == 302
    row = entries_for(role).get(action="admin_change")
    assert row.actor == root
    assert row.reason == "已修改权限。修改后：permissions=approvals.assign_case"


def test_deleting_a_role_is_audited(web, root):
    role = Group.objects.create(name="待删角色")
    assert web.post(admin_url(Group, "delete", role.pk), {"post": "yes"}).status_code == 302
    assert AuditEntry.objects.get(action="admin_delete", object_id=str(role.pk), actor=root).object_repr == "待删角色"


@pytest.fixture
def sweep():
    return PeriodicTask.objects.get(task="policyops.tasks.deliver_notifications")


def _run_action(web, action, *tasks):
    return web.post(reverse("admin:django_celery_beat_periodictask_changelist"),
                    {"action": action, ACTION_CHECKBOX_NAME: [task.pk for task in tasks]})


def test_disabling_a_periodic_task_is_audited(web, root, sweep):
    assert _run_action(web, "disable_tasks", sweep).status_code == 302
    sweep.refresh_from_db()
    assert not sweep.enabled
    assert [(row.action, row.actor) for row in entries_for(sweep)] == [("disable", root)]


def test_toggling_audits_each_task_as_it_is_afterwards(web, root, sweep):
    other = PeriodicTask.objects.exclude(pk=sweep.pk).filter(enabled=True).first()
    other.enabled = False
    other.save()
    assert _run_action(web, "toggle_tasks", sweep, other).status_code == 302
    assert [row.action for row in entries_for(sweep)] == ["disable"]
    assert [row.action for row in entries_for(other)] == ["enable"]


def test_enabling_an_enabled_task_changes_nothing_and_audits_nothing(web, sweep):
    assert _run_action(web, "enable_tasks", sweep).status_code == 302
    assert not entries_for(sweep).exists()


def test_a_schedule_change_is_audited(web, root, sweep):
    schedule = sweep.interval or sweep.crontab
    view = "change"
    model = type(schedule)
    page = web.get(admin_url(model, view, schedule.pk))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    data.update({key: value for key, value in _inline_management(page).items()})
    assert web.post(admin_url(model, view, schedule.pk), data).status_code == 302
    assert entries_for(schedule).get(action="admin_change").actor == root


def _inline_management(page):
    """The inline formsets' management forms, as the page posts them back (no rows changed)."""
    data = {}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management[name].html_name: management[name].value() for name in management.fields})
        for form in formset.formset.forms:
            data.update({form[name].html_name: form[name].value() for name in form.fields
                         if form[name].value() is not None})
    return data


def test_lifting_a_login_lockout_is_audited(web, root):
    attempt = AccessAttempt.objects.create(username="clerk_c", ip_address="10.0.0.9", user_agent="test",
                                           path_info="/admin/login/", failures_since_start=5,
                                           attempt_time=timezone.now())
    assert web.post(admin_url(AccessAttempt, "delete", attempt.pk), {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert AuditEntry.objects.get(action="admin_delete", object_id=str(attempt.pk)).actor == root


def test_the_trail_reads_a_switched_task_in_chinese():
    from django.utils import translation

    from policyops.timeline import action_label

    with translation.override("zh-hans"):
        assert [action_label(PeriodicTask, code) for code in ("enable", "disable", "run_now")] == [
            "启用任务", "停用任务", "立即运行任务"]


def test_the_trail_list_shortens_a_long_reason_and_the_entry_page_keeps_it_whole(web):
    role = Group.objects.create(name="权限很多的角色")
    role.permissions.set(Permission.objects.all())
    web.post(admin_url(Group, "change", role.pk), {"name": role.name,
                                                    "permissions": list(role.permissions.values_list("pk", flat=True))})
    row = entries_for(role).get(action="admin_change")
    assert len(row.reason) > 1000
    listed = web.get(reverse("admin:policyops_auditentry_changelist")).content.decode()
    assert row.reason not in listed and row.reason[:100] in listed
    assert row.reason[-80:] in web.get(admin_url(AuditEntry, "change", row.pk)).content.decode()


def test_the_trail_reads_an_imports_rows_in_chinese():
    from django.utils import translation

    from policyops.models import District
    from policyops.timeline import action_label

    with translation.override("zh-hans"):
        assert [action_label(District, code) for code in ("import_add", "import_update", "import_delete")] == [
            "导入新增", "导入更新", "导入删除"]


def test_a_change_is_audited_in_the_users_language_with_the_fields_labels(web):
    from approvals.models import DelegatedPower
    from tests.admin_pages import posted_as_shown

    power = DelegatedPower.objects.order_by("number").first()
    url = admin_url(DelegatedPower, "change", power.pk)
    data = posted_as_shown(web.get(url))
    new_row = int(data["checklist-INITIAL_FORMS"])
    data |= {"remark": "审计测试", f"checklist-{new_row}-name": "营业执照副本", f"checklist-{new_row}-order": "5"}
    assert web.post(url, data).status_code == 302
    reason = entries_for(power).get(action="admin_change").reason
    assert reason == "已修改备注。 添加了 清单材料“营业执照副本”。"
