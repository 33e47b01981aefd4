from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    label = "approvals"
    verbose_name = _("Delegated approvals")

    def ready(self):
        from approvals.resources import DelegatedPowerResource
        from policyops import roles, seeding
        from policyops.calendar import calendar_changed
        from policyops.roles import Role

        view = ["approvals.view_delegatedpower", "approvals.view_entrustment"]
        for role in (Role.CLERK, Role.PROGRAMME_MANAGER, Role.DIRECTOR, Role.SUPERVISOR):
            roles.grant(role, *view)
        # The seal's impression is shown only to those who stamp or supervise with it.
        roles.grant(Role.CLERK, "approvals.view_approvalseal")
        roles.grant(Role.SUPERVISOR, "approvals.view_approvalseal")
        case_view = ["approvals.view_approvalcase", "approvals.view_casematerial", "approvals.view_casesuspension",
                     "approvals.view_casenotice", "approvals.view_sealuse"]
        roles.grant(Role.CLERK, *case_view, "approvals.process_case", "approvals.decide_case",
                    "approvals.change_casematerial", "approvals.add_casematerial")
        # The head of the authority (局长) extends time limits and assigns handlers.
        roles.grant(Role.DIRECTOR, *case_view, "approvals.extend_case", "approvals.assign_case")
        # Who heads each authority (Art. 42) is visible; naming a head is a superuser's grant.
        roles.grant(Role.DIRECTOR, "approvals.view_authorityhead")
        roles.grant(Role.SUPERVISOR, "approvals.view_authorityhead")
        roles.grant(Role.SUPERVISOR, *case_view, "approvals.assign_case", "approvals.manage_entrustment",
                    "approvals.change_delegatedpower", "approvals.set_promised_limit",
                    "approvals.add_entrustment", "approvals.change_entrustment",
                    "approvals.add_approvalseal", "approvals.change_approvalseal")
        seeding.register("delegated_powers.csv", DelegatedPowerResource, 50)
        from approvals.demo import build_approvals_demo
        from policyops import demo

        demo.register(build_approvals_demo)
        from approvals.actions import register_all

        register_all()
        from approvals.rules import case_number_serial
        from policyops.search_indexes import register_narrowing_part

        register_narrowing_part(case_number_serial)  # the audit trail's search for a case number
        calendar_changed.connect(_recompute_case_clocks, dispatch_uid="approvals-recompute-clocks")
        from approvals import workspace

        workspace.register()


def _recompute_case_clocks(sender, dates, **kwargs):
    from django.utils import timezone

    from approvals.services import cases_recompute_after_calendar_change

    # The calendar changes now: a submitted case past its correction window keeps its deemed clock.
    moved = cases_recompute_after_calendar_change(dates, as_of=timezone.localdate())
    # What the supervisor who changed the calendar is told (policyops.calendar.overrides_changed).
    return [_("approval case %(number)s") % {"number": number} for number in moved]
