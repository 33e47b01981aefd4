"""Roles as Django groups, and the permissions each role holds.

Each app declares the permissions its own models grant to a role (``grant`` in its
AppConfig.ready); after every migrate the groups are brought in line. policyops knows
no other app's models.
"""
from collections import defaultdict

from django.utils.translation import gettext_lazy as _


class Role:
    CLERK = "clerk"
    PROGRAMME_MANAGER = "programme_manager"
    DIRECTOR = "director"
    SUPERVISOR = "supervisor"


# Group names are what supervisors see in the admin.
GROUP_NAMES = {
    Role.CLERK: "窗口审批人员",
    Role.PROGRAMME_MANAGER: "项目管理员",
    Role.DIRECTOR: "局长",
    Role.SUPERVISOR: "政务服务监管人员",
}
ROLE_LABELS = {
    Role.CLERK: _("clerk"),
    Role.PROGRAMME_MANAGER: _("programme manager"),
    Role.DIRECTOR: _("director"),
    Role.SUPERVISOR: _("supervisor"),
}

_grants: dict[str, set[str]] = defaultdict(set)


def grant(role: str, *perms: str) -> None:
    """Declare that ``role`` holds ``perms`` ("app_label.codename")."""
    if role not in GROUP_NAMES:
        raise ValueError(f"unknown role {role!r}")
    _grants[role].update(perms)


def granted(role: str) -> frozenset[str]:
    return frozenset(_grants[role])


def sync_role_groups(**_kwargs) -> None:
    """Create the role groups and set their permissions to exactly what is granted."""
    from django.contrib.auth.models import Group, Permission

    for role, group_name in GROUP_NAMES.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        wanted = granted(role)
        perms = []
        for perm in sorted(wanted):
            app_label, codename = perm.split(".", 1)
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


def group_for(role: str):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=GROUP_NAMES[role])


def view_perms(app_label: str, *models: str) -> list[str]:
    return [f"{app_label}.view_{m}" for m in models]


def crud_perms(app_label: str, *models: str) -> list[str]:
    return [f"{app_label}.{action}_{m}" for m in models for action in ("view", "add", "change", "delete")]
