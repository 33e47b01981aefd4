from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    label = "approvals"
    verbose_name = _("Delegated approvals")

    def ready(self):
        from policyops import roles, seeding
        from policyops.roles import Role

        from approvals.resources import DelegatedPowerResource

        for role in (Role.CLERK, Role.PROGRAMME_MANAGER, Role.DIRECTOR, Role.SUPERVISOR):
            roles.grant(role, "approvals.view_delegatedpower")
        roles.grant(Role.SUPERVISOR, "approvals.change_delegatedpower")
        seeding.register("delegated_powers.csv", DelegatedPowerResource, 50)
