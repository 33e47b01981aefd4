from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PolicyOpsConfig(AppConfig):
    name = "policyops"
    label = "policyops"
    verbose_name = _("Policy operations")

    def ready(self):
        from policyops import lookups, roles, seeding  # noqa: F401 (lookups: registered on import)
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
                        "indicatorreading", "policytask", "calendaroverride"),
            # Written only by the official calendar's import (policyops.services), which the
            # overrides' add permission opens.
            "policyops.view_officialcalendaryear",
        )
        roles.grant(Role.SUPERVISOR, "auth.view_user", "auth.add_user", "auth.change_user")
        # README: supervisors edit the reminder schedules (周期任务) and may run a sweep now. They add
        # schedules rather than change one in place: a crontab row is shared by several tasks.
        roles.grant(Role.SUPERVISOR, "django_celery_beat.view_periodictask", "django_celery_beat.change_periodictask",
                    *[f"django_celery_beat.{action}_{model}" for model in ("crontabschedule", "intervalschedule")
                      for action in ("view", "add")])
        seeding.register_policyops_seeds()
        from policyops.actions import register_all

        register_all()
        from policyops import workspace

        workspace.register()
        post_migrate.connect(_sync_roles, sender=self)


def _sync_roles(sender, **kwargs):
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from policyops.roles import sync_role_groups

    # Permissions of every app must exist before groups can hold them.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    sync_role_groups()
