from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from policyops import indicators, selectors, workspaces
from policyops.models import PolicyTask

PAGE_SIZE = 50


def home(request):
    """Each role's home: the panels the apps registered for what needs this user now."""
    panels = workspaces.panels_for(request, timezone.localdate()) if request.user.is_authenticated else []
    return render(request, "policyops/home.html", {"panels": panels})


@login_required
def indicator_list(request):
    page = Paginator(selectors.indicator_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(ind, indicators.indicator_progress(ind, ind.latest_value), indicators.indicator_met(ind, ind.latest_value))
            for ind in page]
    return render(request, "policyops/indicator_list.html", {"page": page, "rows": rows})


@login_required
def policy_task_list(request):
    # ?state=…; ?status=… is the name older links use.
    state = request.GET.get("state") or request.GET.get("status") or None
    if state not in PolicyTask.State.values:
        state = None
    page = Paginator(selectors.policy_task_list(user=request.user, state=state), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "policyops/task_list.html", {
        "page": page, "today": timezone.localdate(), "state": state, "states": PolicyTask.State.choices})


@login_required
def inbox(request):
    from django.shortcuts import redirect

    from policyops import notifications

    if request.method == "POST":
        ids = request.POST.getlist("id")
        notifications.mark_read(user=request.user, ids=[int(i) for i in ids if i.isdigit()] if ids else None)
        return redirect("policyops:inbox")
    page = Paginator(notifications.inbox(request.user).order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "policyops/inbox.html", {"page": page})
