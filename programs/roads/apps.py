from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadsConfig(AppConfig):
    name = "programs.roads"
    label = "roads"
    verbose_name = _("Rural-road programme")

    def ready(self):
        from policyops import roles, seeding
        from policyops.roles import Role

        from programs.roads.resources import RoadTargetResource

        for role in (Role.PROGRAMME_MANAGER, Role.DIRECTOR, Role.SUPERVISOR):
            roles.grant(role, "roads.view_roadtarget")
        roles.grant(Role.SUPERVISOR, "roads.change_roadtarget")
        seeding.register("road_targets.csv", RoadTargetResource, 55)
