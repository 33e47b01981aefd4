from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from policyops import indicators, selectors, workspaces
from policyops.forms import keys_of
from policyops.models import Notification
from policyops.pagination import CappedPaginator

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
def inbox(request):
    from policyops import notifications

    if request.method == "POST":
        ids = request.POST.getlist("id")
        notifications.mark_read(user=request.user, ids=keys_of(Notification, ids) if ids else None)
        return redirect("policyops:inbox")
    # Counted up to the cap: a supervisor's inbox holds a message a day for years (issue 12).
    page = CappedPaginator(notifications.inbox(request.user).order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "policyops/inbox.html", {"page": page})


@login_required
def inbox_open(request, pk: int):
    """Open one's own notification: it is marked read, then its link is followed."""
    from policyops import notifications

    notification = get_object_or_404(notifications.inbox(request.user), pk=pk)
    notifications.mark_read(user=request.user, ids=[notification.pk])
    # A stored link is our own path; anything pointing elsewhere is not followed.
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()},
                                                            require_https=request.is_secure()):
        return redirect(notification.url)
    return redirect("policyops:inbox")
