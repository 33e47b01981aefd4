"""What the approvals pages share: the due badge and the case a user may see."""
import functools

from django.http import Http404
from django.shortcuts import get_object_or_404, resolve_url
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language

from approvals.models import ApprovalCase, prefetched_list
from approvals.selectors import CASE_RELATED, DUE_LABELS, DueState

PAGE_SIZE = 50

DUE_FILTERS = {state: DUE_LABELS[state] for state in (DueState.OVERDUE, DueState.SOON)}


def due_badge(due_state: str):
    """The colour-coded badge of a case's due state (colours in approvals/approvals.css)."""
    if due_state == DueState.CLOSED:
        return ""
    return _badge_in(due_state, get_language())


@functools.cache
def _badge_in(due_state: str, language: str | None):
    # One HTML per state and language, not a translation and a format_html per row of a list.
    return format_html('<span class="due-badge due-{}">{}</span>', due_state, DUE_LABELS[due_state])


def visible_case(request, pk) -> ApprovalCase:
    """The case if this user may see it; 404 otherwise (another district's case is not there for them)."""
    if not request.user.has_perm("approvals.view_approvalcase"):
        raise Http404
    return get_object_or_404(ApprovalCase.objects.visible_to(request.user).select_related(*CASE_RELATED)
                             .prefetch_related(prefetched_list("materials"), prefetched_list("suspensions")), pk=pk)


def case_url(case) -> str:
    return resolve_url("approvals:case_detail", case.pk)


def next_url(request, default: str) -> str:
    """Where to go back to after a small form: ``next`` when it is a page of this site."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default
