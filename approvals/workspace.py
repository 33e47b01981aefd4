"""What approvals adds to the front menu and to the home pages (policyops.workspaces)."""
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from policyops import timeline, workflow
from policyops.formatting import escaped as escape
from policyops.formatting import iso_day
from policyops.pagination import COUNT_CAP, capped_count
from policyops.reversing import url_maker
from policyops.scoping import user_has_perm
from policyops.workspaces import MenuEntry, Panel, register_menu, register_panel

# Rows a queue panel shows (the count says how many there are in all): a layout's choice, not a rule.
PANEL_ROWS = 15  # pragma: no mutate (a panel's size, no rule's)
OVERDUE_ROWS = 10  # pragma: no mutate (a panel's size, no rule's)


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
            overdue = clock["due_state"] == selectors.DueState.OVERDUE
            rows.append({"case": case, "clock": clock, "alert": selectors.case_alert(case, clock),
                         # An overdue case has no days left, even on the weekend or holiday right after
                         # its due date, when no working day has passed since (days_left is then 0, and
                         # the row says only that it is overdue).
                         "days_overdue": (-days_left or None) if overdue else None,
                         "days_left": None if overdue else days_left,
                         "actions": actions, "url": detail_url(case.pk), "claim_url": claim_url(case.pk),
                         "links": [(a, action_url(case.pk, a.name) if a.ready else None) for a in actions]})
    return rows


def case_row_writer(*, may_claim: bool = False, show_handler: bool = False, csrf_input: str = "",
                    next_path: str = ""):
    """row -> its HTML, written as ``approvals/panels/_case_row.html`` renders it.

    That template is the row's reference, read more easily; the home page's queues took
    ~260 µs of template engine a row (8 ms of the clerk's home page; issue 12), this ~14 µs:
    the labels are translated once per panel, and what rows share is kept for the panel.
    tests/approvals/test_case_row_html.py pins the two together over every kind of row, in
    both languages.
    """
    overdue_label = f'<span class="alert-label red">{escape(gettext("overdue"))}</span>'
    nearly_used_label = f'<span class="alert-label yellow">{escape(gettext("time nearly used"))}</span>'
    legal_due, due, follow_up = (escape(gettext(label)) for label in ("legal due date", "due", "follow-up date"))
    handler_label = escape(gettext("handler"))
    # The claim form around each row's own URL (the path and the token are the page's).
    claim_rest = (f'" class="inline">{csrf_input}<input type="hidden" name="next" value="{escape(next_path)}">'
                  f'<button type="submit" class="small primary">{escape(gettext("Claim"))}</button></form>')

    # What rows share, worked out once per panel: a power's cell, a state's and an action's label.
    power_cells, state_labels, action_labels = {}, {}, {}

    def power_cell(power):
        cell = power_cells.get(power.pk)
        if cell is None:
            cell = power_cells[power.pk] = (f'<span class="muted power" title="{escape(power.name)}">'
                                            f'{escape(power.number)}. {escape(Truncator(power.name).chars(32))}</span>')
        return cell

    def state_label(case):
        label = state_labels.get(case.state)
        if label is None:
            label = state_labels[case.state] = escape(case.get_state_display())
        return label

    def action_label(action):
        label = action_labels.get(action.name)
        if label is None:
            label = action_labels[action.name] = escape(action.label)
        return label

    def write(row: dict) -> str:
        case = row["case"]
        alert = row["alert"]
        alert_label = overdue_label if alert == "red" else nearly_used_label if alert == "yellow" else ""
        days = ""
        if row["days_overdue"]:
            days = "（" + _count("%(n)s working day overdue", "%(n)s working days overdue", row["days_overdue"]) + "）"
        elif row["days_left"] is not None:
            days = "（" + _count("%(n)s working day left", "%(n)s working days left", row["days_left"]) + "）"
        handler = ""
        if show_handler:
            handler = f"· {handler_label}：{escape((case.handler.name if case.handler_id else '') or '—')}"
        claim = f'<form method="post" action="{escape(row["claim_url"])}{claim_rest}' if may_claim else ""
        actions = "".join(
            f'<a class="button small" href="{escape(url)}">{action_label(action)}</a>' if url else
            f'<span class="button small disabled" title="{escape(action.reason)}" aria-disabled="true">'
            f'{action_label(action)}</span>'
            for action, url in row["links"])
        return SafeString(
            f'\n<li class="case-row alert-{escape(alert or "none")}">\n'
            f'  <div class="case-row-main"><a href="{escape(row["url"])}">{escape(case.number)}</a>\n'
            f"    {alert_label}\n"
            f'    <span class="applicant">{escape(case.applicant_name)}</span>\n'
            f"    {power_cell(case.power)}</div>\n"
            f'  <div class="case-row-clock">{state_label(case)}\n'
            f"    · {legal_due}：{iso_day(case.legal_due_on)}\n"
            f"    · {due}：{iso_day(case.due_on)}{days}\n"
            f"    · {follow_up}：{iso_day(case.follow_up_on)}\n"
            f"    {handler}</div>\n"
            f'  <div class="case-row-actions">{actions}\n'
            f"    {claim}</div>\n"
            f"</li>\n")

    return write


def _count(singular: str, plural: str, n: int) -> str:
    # As {% blocktranslate count %} writes it: the number localized and escaped.
    return ngettext(singular, plural, n) % {"n": escape(localize(n))}


def _row_urls():
    """A row's links, each pattern reversed once per list (policyops.reversing); not kept longer,
    as the URLconf may change (a test's override_settings)."""
    return (url_maker("approvals:case_detail", 1), url_maker("approvals:case_action", 2),
            url_maker("approvals:case_claim", 1))


def _panel(cases, request, today, *, rows: int, list_url: str, show_handler: bool = False, **extra):
    """A panel of the first ``rows`` of ``cases``, or None when there are none.

    Counted up to COUNT_CAP, as the lists count (policyops.pagination): a queue of thousands
    says "more than 1000" rather than reading them all on every visit of the home page.
    """
    total = capped_count(cases, COUNT_CAP)
    if not total:
        return None
    row_dicts = case_rows(cases[:rows], request.user, today)
    may_claim = extra.get("may_claim", False)
    csrf = csrf_input(request) if may_claim else ""
    next_path = request.get_full_path()
    write = case_row_writer(may_claim=may_claim, show_handler=show_handler, csrf_input=csrf, next_path=next_path)
    rows_html = mark_safe("".join(write(row) for row in row_dicts))
    return {"rows": row_dicts, "rows_html": rows_html, "total": min(total, COUNT_CAP), "capped": total > COUNT_CAP,
            "more": total > rows, "list_url": list_url, **extra}


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
                  list_url=reverse("approvals:case_list") + "?due=overdue", show_handler=True)


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
