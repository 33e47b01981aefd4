"""The policy tasks on the front pages: the ledger list (/tasks/), a task's page and its steps.

The list is policyops.selectors.policy_task_list (the user's scope and its joins), narrowed
by document, lead unit, state and a search of the task text and the unit names. The steps
offered on each row and on a task's page are the kernel's (policyops.actions through
policyops.workflow); each runs through policyops.action_pages.action_page.
"""
from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from policyops import selectors, workflow
from policyops.action_pages import action_page
from policyops.forms import key_of
from policyops.models import Department, PolicyDocument, PolicyTask
from policyops.workspaces import menu_page

PAGE_SIZE = 50
SEARCH_MAX = 100


def task_filters(request) -> dict:
    """The list's filters from the query string; anything unknown is ignored, not an error."""
    # ?state=…; ?status=… is the name older links use.
    state = request.GET.get("state") or request.GET.get("status") or None
    return {"state": state if state in PolicyTask.State.values else None,
            "document": key_of(PolicyDocument, request.GET.get("document")),
            "lead_unit": key_of(Department, request.GET.get("lead_unit")),
            "q": (request.GET.get("q") or "").strip()[:SEARCH_MAX]}


def filtered_tasks(user, *, state=None, document=None, lead_unit=None, q=""):
    tasks = selectors.policy_task_list(user=user, state=state)
    if document:
        tasks = tasks.filter(document_id=document)
    if lead_unit:
        tasks = tasks.filter(lead_unit_id=lead_unit)
    if q:
        # A cooperating unit by name too; Exists keeps one row per task.
        cooperating = PolicyTask.cooperating_units.through.objects.filter(
            policytask_id=OuterRef("pk"), department__name__icontains=q)
        tasks = tasks.filter(Q(text__icontains=q) | Q(lead_unit__name__icontains=q) | Exists(cooperating))
    return tasks


def _row_actions(task, user, today, back: str) -> list[dict]:
    """The ready steps: those without input are posted from the row, the others open their page."""
    rows = []
    for a in workflow.available_actions(task, user, as_of=today):
        if a.ready:
            url = reverse("policyops:task-action", args=[task.pk, a.name]) + "?" + urlencode({"next": back})
            rows.append({"name": a.name, "label": a.label, "url": url, "needs_input": a.action.form is not None})
    return rows


@menu_page("tasks")
def policy_task_list(request):
    today = timezone.localdate()
    filters = task_filters(request)
    visible = selectors.policy_task_list(user=request.user)
    page = Paginator(filtered_tasks(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in filters.items() if v])
    back = request.get_full_path()
    rows = [{"task": task, "overdue": task.is_overdue(today), "actions": _row_actions(task, request.user, today, back)}
            for task in page]
    return render(request, "policyops/task_list.html", {
        "page": page, "rows": rows, "today": today, "filters": filters, "query": query,
        "state": filters["state"], "states": PolicyTask.State.choices,
        "documents": PolicyDocument.objects.filter(pk__in=visible.values("document_id")).order_by("issued_on", "id"),
        "units": Department.objects.filter(pk__in=visible.values("lead_unit_id")).order_by("name")})


def _visible_task(request, pk):
    return get_object_or_404(PolicyTask.objects.visible_to(request.user).select_related("document", "lead_unit")
                             .prefetch_related("cooperating_units"), pk=pk)


@menu_page("tasks")
def policy_task_detail(request, pk: int):
    today = timezone.localdate()
    task = _visible_task(request, pk)
    return render(request, "policyops/task_detail.html", {
        "task": task, "today": today, "overdue": task.is_overdue(today),
        "actions": _row_actions(task, request.user, today, request.get_full_path())})


def _back_url(request, task) -> str:
    back = request.GET.get("next") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) and back.startswith("/"):
        return back
    return reverse("policyops:task-detail", args=[task.pk])


@require_http_methods(["GET", "POST"])
@menu_page("tasks")
def policy_task_action(request, pk: int, action: str):
    today = timezone.localdate()
    task = _visible_task(request, pk)
    if action not in {a.name for a in workflow.available_actions(task, request.user, as_of=today)}:
        raise Http404
    head = [(_("lead unit"), task.lead_unit.name), (_("state"), task.get_state_display()),
            (_("deadline"), task.deadline.isoformat() if task.deadline else "—"), (_("task"), task.text)]
    return action_page(request, task, action, as_of=today, back_url=_back_url(request, task), head=head)
