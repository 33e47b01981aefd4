"""The small forms of a case's page: claim, release, follow-up date, (re)assign. Each runs its service."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from approvals import services
from approvals.forms import AssignHandlerForm, FollowUpForm
from approvals.views.common import case_url, next_url, visible_case
from policyops.errors import PolicyOpsError


def _run(request, case, call, done: str):
    try:
        call()
    except PolicyOpsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(next_url(request, case_url(case)))


@require_POST
@login_required
def case_claim(request, pk):
    case = visible_case(request, pk)
    return _run(request, case, lambda: services.case_claim(case=case, acting_user=request.user),
                _("You now handle %(case)s.") % {"case": case})


@require_POST
@login_required
def case_release(request, pk):
    case = visible_case(request, pk)
    return _run(request, case, lambda: services.case_release(case=case, acting_user=request.user),
                _("%(case)s is unassigned again.") % {"case": case})


@require_POST
@login_required
def case_follow_up(request, pk):
    case = visible_case(request, pk)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(case_url(case))
    day = form.cleaned_data["follow_up_on"]
    done = (_("Follow-up date of %(case)s set to %(date)s.") % {"case": case, "date": day.isoformat()} if day
            else _("Follow-up date of %(case)s cleared.") % {"case": case})
    return _run(request, case, lambda: services.case_set_follow_up(
        case=case, acting_user=request.user, follow_up_on=day, as_of=timezone.localdate()), done)


@require_POST
@login_required
def case_assign(request, pk):
    case = visible_case(request, pk)
    form = AssignHandlerForm(request.POST, district_id=case.district_id)
    if not form.is_valid():
        messages.error(request, _("Choose a handler of the case's district who may process cases."))
        return redirect(case_url(case))
    handler = form.cleaned_data["handler"]
    return _run(request, case, lambda: services.case_assign(cases=[case], handler=handler, acting_user=request.user),
                _("%(case)s assigned to %(person)s.") % {"case": case, "person": handler})
