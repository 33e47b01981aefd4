from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PolicyOpsConfig(AppConfig):
    name = "policyops"
    label = "policyops"
    verbose_name = _("Policy operations")

    def ready(self):
        from policyops import roles, seeding
        from policyops.roles import Role, crud_perms, view_perms

        everyone = view_perms("policyops", "district", "department", "servicehall", "policydocument",
                              "indicator", "indicatorreading", "policytask")
        for role in (Role.CLERK, Role.PROGRAMME_MANAGER, Role.DIRECTOR, Role.SUPERVISOR):
            roles.grant(role, *everyone)
        roles.grant(Role.CLERK, "policyops.work_policytask")
        roles.grant(Role.PROGRAMME_MANAGER, "policyops.work_policytask", "policyops.add_indicatorreading",
                    "policyops.change_indicatorreading")
        roles.grant(Role.DIRECTOR, "policyops.work_policytask")
        roles.grant(
            Role.SUPERVISOR,
            "policyops.view_all_districts", "policyops.review_policytask", "policyops.view_auditentry",
            *crud_perms("policyops", "person", "department", "servicehall", "policydocument", "indicator",
                        "indicatorreading", "policytask", "calendaroverride", "officialcalendaryear"),
        )
        roles.grant(Role.SUPERVISOR, "auth.view_user", "auth.add_user", "auth.change_user")
        seeding.register_policyops_seeds()
        from policyops.actions import register_all

        register_all()
        _register_workspace()
        post_migrate.connect(_sync_roles, sender=self)


def _register_workspace():
    from policyops.workspaces import MenuEntry, register_menu

    register_menu(
        MenuEntry("indicators", _("Indicators"), "policyops:indicators", perm="policyops.view_indicator", order=60),
        MenuEntry("tasks", _("Policy tasks"), "policyops:tasks", perm="policyops.view_policytask", order=70),
        MenuEntry("admin", _("Administration"), "admin:index", staff_only=True, order=900),
    )


def _sync_roles(sender, **kwargs):
    from django.contrib.auth.management import create_permissions

    from policyops.roles import sync_role_groups

    # Permissions of every app must exist before groups can hold them.
    from django.apps import apps

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    sync_role_groups()
