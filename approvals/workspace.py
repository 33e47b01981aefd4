"""What approvals adds to the front menu and to the home pages (policyops.workspaces)."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from policyops import timeline, workflow
from policyops.pagination import COUNT_CAP, capped_count
from policyops.reversing import url_maker
from policyops.scoping import user_has_perm
from policyops.workspaces import MenuEntry, Panel, register_menu, register_panel

PANEL_ROWS = 15  # rows a queue panel shows; the count says how many there are in all
OVERDUE_ROWS = 10


def case_rows(cases, user, today) -> list[dict]:
    """Each case with its clock, its colour (rules.time_used_alert) and the actions ``user`` may take.

    A fixed number of queries: the cases come with their suspensions and materials, and
    the seals the actions' conditions ask about are looked up once for all rows.
    """
    from approvals import selectors

    cases = list(cases)
    rows = []
    detail_url, action_url, claim_url = _row_urls()
    with workflow.acting_on(today):
        selectors.remember_seals(cases, today)
        for case in cases:
            clock = selectors.case_clock_summary(case, today)
            actions = workflow.available_actions(case, user, as_of=today)
            days_left = clock["days_left"]
            rows.append({"case": case, "clock": clock, "alert": selectors.case_alert(case, clock),
                         "days_overdue": -days_left if days_left is not None and days_left < 0 else None,
                         "actions": actions, "url": detail_url(case.pk), "claim_url": claim_url(case.pk),
                         "links": [(a, action_url(case.pk, a.name) if a.ready else None) for a in actions]})
    return rows


def _row_urls():
    """A row's links, each pattern reversed once per list (policyops.reversing); not kept longer,
    as the URLconf may change (a test's override_settings)."""
    return (url_maker("approvals:case_detail", 1), url_maker("approvals:case_action", 2),
            url_maker("approvals:case_claim", 1))


def _panel(cases, request, today, *, rows: int, list_url: str, **extra):
    """A panel of the first ``rows`` of ``cases``, or None when there are none.

    Counted up to COUNT_CAP, as the lists count (policyops.pagination): a queue of thousands
    says "more than 1000" rather than reading them all on every visit of the home page.
    """
    total = capped_count(cases, COUNT_CAP)
    if not total:
        return None
    return {"rows": case_rows(cases[:rows], request.user, today), "total": min(total, COUNT_CAP),
            "capped": total > COUNT_CAP, "more": total > rows, "list_url": list_url, **extra}


def _queue_panel(cases, request, today, **extra):
    return _panel(cases, request, today, rows=PANEL_ROWS, list_url=reverse("approvals:case_list"), **extra)


def build_my_cases(request, today):
    from approvals import selectors

    return _queue_panel(selectors.my_open_cases(request.user), request, today)


def build_district_cases(request, today):
    from approvals import selectors

    return _queue_panel(selectors.unassigned_district_cases(request.user), request, today,
                        may_claim=user_has_perm(request.user, "approvals.process_case"))


def build_overdue(request, today):
    from approvals import selectors

    return _panel(selectors.overdue_cases(request.user, today), request, today, rows=OVERDUE_ROWS,
                  list_url=reverse("approvals:case_list") + "?due=overdue")


def register() -> None:
    from approvals import rules
    from approvals.models import ApprovalCase

    register_menu(
        MenuEntry("approvals", _("Approval cases"), "approvals:case_list", perm="approvals.view_approvalcase",
                  order=10),
        MenuEntry("case-register", _("Register an application"), "approvals:case_register",
                  perm="approvals.process_case", order=11),
        MenuEntry("case-status", _("Case status"), "approvals:public_status", perm="public", order=80),
    )
    register_panel(
        Panel("approvals-mine", _("My cases"), "approvals/panels/case_queue.html", build_my_cases,
              perm="approvals.process_case", order=10),
        Panel("approvals-district", _("Unassigned cases of my district"), "approvals/panels/case_queue.html",
              build_district_cases, perm="approvals.view_approvalcase", order=11),
        Panel("approvals-overdue", _("Overdue cases"), "approvals/panels/overdue.html", build_overdue,
              perm="approvals.assign_case", order=12),
    )
    # A pause's audit reason is its legal ground's code (services.case_pause).
    timeline.register_reason_labels(ApprovalCase, "pause", dict(rules.PauseGround.CHOICES))
