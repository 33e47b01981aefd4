from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallsConfig(AppConfig):
    name = "programs.halls"
    label = "halls"
    verbose_name = _("Hall duty (百名局长进审批服务大厅)")

    def ready(self):
        from policyops import demo, roles
        from policyops.roles import Role
        from programs.halls.demo import build_halls_demo

        view = [f"halls.view_{m}" for m in ("hallsettings", "director", "unavailability", "dutyshift",
                                            "workrecord", "problem", "evaluation", "followup", "signattempt")]
        for role in (Role.DIRECTOR, Role.SUPERVISOR):
            roles.grant(role, *view)
        roles.grant(Role.DIRECTOR, "halls.add_unavailability", "halls.change_workrecord", "halls.add_workrecord",
                    "halls.add_problem", "halls.change_problem")
        roles.grant(Role.SUPERVISOR, "halls.manage_rota", "halls.change_followup", "halls.add_director",
                    "halls.change_director", "halls.add_hallsettings", "halls.change_hallsettings",
                    "halls.change_problem", "halls.add_unavailability", "halls.change_unavailability")
        demo.register(build_halls_demo)
        from programs.halls.actions import register_all

        register_all()
        from programs.halls import workspace

        workspace.register()
