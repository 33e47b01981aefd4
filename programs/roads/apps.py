from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadsConfig(AppConfig):
    name = "programs.roads"
    label = "roads"
    verbose_name = _("Rural-road programme")

    def ready(self):
        from policyops import roles, seeding
        from policyops.roles import Role
        from programs.roads import resources

        view = ["roads.view_roadtarget", "roads.view_roadproject", "roads.view_projectmilestone",
                "roads.view_annualplan", "roads.view_planadjustment", "roads.view_programmephase",
                "roads.view_subsidyrate", "roads.view_subsidyparameter"]
        for role in (Role.PROGRAMME_MANAGER, Role.DIRECTOR, Role.SUPERVISOR):
            roles.grant(role, *view)
        # Managers split targets into annual plans; changing one afterwards is a plan adjustment.
        roles.grant(Role.PROGRAMME_MANAGER, "roads.manage_roadproject", "roads.add_roadproject",
                    "roads.change_roadproject", "roads.change_projectmilestone", "roads.add_planadjustment",
                    "roads.add_annualplan")
        roles.grant(Role.SUPERVISOR, "roads.change_roadtarget", "roads.approve_planadjustment",
                    "roads.manage_roadproject", "roads.change_roadproject", "roads.add_roadproject",
                    "roads.change_projectmilestone", "roads.add_annualplan", "roads.change_annualplan",
                    "roads.change_subsidyrate", "roads.change_subsidyparameter", "roads.change_programmephase",
                    "roads.change_planadjustment")
        seeding.register("road_targets.csv", resources.RoadTargetResource, 55)
        seeding.register("road_programme_phases.csv", resources.ProgrammePhaseResource, 56)
        seeding.register("road_subsidy_rates.csv", resources.SubsidyRateResource, 57)
        seeding.register("road_subsidy_rules.csv", resources.SubsidyParameterResource, 58)
        from policyops import demo
        from programs.roads.demo import build_roads_demo

        demo.register(build_roads_demo)
        from programs.roads.actions import register_all

        register_all()
        from programs.roads import workspace

        workspace.register()
