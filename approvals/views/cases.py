"""The case list, a case's page and the pages of its steps."""
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from approvals import personal_data, selectors
from approvals.forms import AssignHandlerForm, FollowUpForm
from approvals.models import ApprovalCase, prefetched_list
from approvals.services import handling
from approvals.views.common import (
    DUE_FILTERS,
    PAGE_SIZE,
    case_url,
    due_badge,
    visible_case,
)
from policyops import masking, timeline, workflow
from policyops.action_pages import action_page
from policyops.formatting import escaped, escaped_unless_safe, iso_day
from policyops.pagination import CappedPaginator
from policyops.reversing import url_maker
from policyops.scoping import may_touch_district

CSS = ("approvals/approvals.css",)


@login_required
@permission_required("approvals.view_approvalcase", raise_exception=True)
def index(request):
    return redirect("approvals:case_list")


@login_required
@permission_required("approvals.view_approvalcase", raise_exception=True)
def case_list(request):
    today = timezone.localdate()
    state = request.GET.get("state") or None
    if state not in ApprovalCase.State.values:
        state = None
    due = request.GET.get("due") or None
    if due not in DUE_FILTERS:
        due = None
    search = selectors.normalise_search(request.GET.get("q"))
    cases = selectors.case_list(user=request.user, state=state, due=due, today=today,
                                search=search).prefetch_related(prefetched_list("suspensions"))
    page = CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    detail_url = url_maker("approvals:case_detail", 1)  # one reverse for the page's links
    for case in page:
        clock = selectors.case_clock_summary(case, today)
        rows.append({"case": case, "clock": clock, "badge": due_badge(clock["due_state"]),
                     "phone": masking.mask_phone(case.applicant_phone), "url": detail_url(case.pk)})
    write = case_list_row_writer()
    query = urlencode([(k, v) for k, v in (("q", search), ("state", state), ("due", due)) if v])
    return render(request, "approvals/case_list.html", {
        "page": page, "rows": rows, "rows_html": mark_safe("".join(write(row) for row in rows)),
        "today": today, "state": state, "due": due, "q": search, "query": query,
        "states": ApprovalCase.State.choices, "due_filters": list(DUE_FILTERS.items()),
        "filter_state": urlencode([(k, v) for k, v in (("q", search), ("due", due)) if v]),
        "filter_due": urlencode([(k, v) for k, v in (("q", search), ("state", state)) if v]),
        "clear_search": urlencode([(k, v) for k, v in (("state", state), ("due", due)) if v]),
    })


def case_list_row_writer():
    """row -> its HTML, written as ``approvals/_case_list_row.html`` renders it.

    That template is the row's reference, read more easily; the template engine took ~170 µs
    a row, ~8 ms of a 50-row page (issue 12). What rows share (a power's cell, a state's
    label) is worked out once per page. tests/approvals/test_case_list_row_html.py pins the
    two together.
    """
    power_cells, state_labels = {}, {}

    def write(row: dict) -> str:
        case, clock = row["case"], row["clock"]
        power_cell = power_cells.get(case.power_id)
        if power_cell is None:
            power = case.power
            power_cell = power_cells[case.power_id] = (
                f'<td class="text" title="{escaped(power.name)}">{escaped(power.number)}. '
                f"{escaped(Truncator(power.name).chars(30))}</td>")
        state = state_labels.get(case.state)
        if state is None:
            state = state_labels[case.state] = escaped(case.get_state_display())
        handler = (case.handler.name if case.handler_id else "") or "—"
        days_left = "—" if clock["days_left"] is None else escaped(localize(clock["days_left"]))
        return SafeString(
            f'\n<tr><td class="nowrap"><a href="{escaped(row["url"])}">{escaped(case.number)}</a></td>\n'
            f"{power_cell}\n"
            f'<td>{escaped(case.applicant_name)}<br><span class="muted">{escaped(row["phone"])}</span></td>'
            f'<td>{state}</td><td class="nowrap">{escaped(handler)}</td>\n'
            f'<td class="nowrap">{iso_day(case.received_on, "")}</td><td class="nowrap">{iso_day(case.due_on)}</td>\n'
            f'<td class="num">{days_left}</td><td class="num">{escaped(localize(clock["days_paused"]))}</td>\n'
            f"<td>{escaped_unless_safe(row['badge'])}</td></tr>\n")

    return write


def _may_assign(case, user) -> bool:
    return case.is_open and user.has_perm("approvals.assign_case") and may_touch_district(user, case.district_id)


def case_head(case, today) -> list:
    """What the step pages show of the case above their form."""
    return [(_("case number"), case.number), (_("delegated power"), case.power), (_("applicant"), case.applicant_name),
            (_("state"), case.get_state_display()), (_("due"), case.due_on or "—")]


@login_required
def case_detail(request, pk):
    case = visible_case(request, pk)
    today = timezone.localdate()
    user = request.user
    return render(request, "approvals/case_detail.html", {
        "case": case, "today": today, "detail": selectors.case_clock_detail(case, today),
        # The full phone to those who handle the case, the view audited; masked to anyone else.
        "applicant_phone": personal_data.case_phone(user, case, audit=True),
        "notices": case.notices.select_related("seal"), "timeline": timeline.timeline(case),
        "actions": workflow.available_actions(case, user, as_of=today),
        "may_claim": handling.may_claim(case, user),
        "may_release": handling.may_release(case, user),
        "follow_up_form": FollowUpForm(initial={"follow_up_on": case.follow_up_on})
        if handling.may_set_follow_up(case, user) else None,
        "assign_form": AssignHandlerForm(district_id=case.district_id, initial={"handler": case.handler_id})
        if _may_assign(case, user) else None,
    })


@login_required
def case_action(request, pk, action):
    """One step of the case (policyops.action_pages); a step this user cannot take now sends them back."""
    case = visible_case(request, pk)
    if workflow.get_action(case, action) is None:
        raise Http404
    today = timezone.localdate()
    offered = {a.name: a for a in workflow.available_actions(case, request.user, as_of=today)}
    if action not in offered:
        messages.error(request, _("This step is not possible for %(case)s now.") % {"case": case})
        return redirect(case_url(case))
    if not offered[action].ready:
        messages.error(request, _("“%(action)s” cannot be taken yet: %(reason)s")
                       % {"action": offered[action].action.title, "reason": offered[action].reason})
        return redirect(case_url(case))
    return action_page(request, case, action, as_of=today, back_url=case_url(case), head=case_head(case, today),
                       extra_css=CSS)
