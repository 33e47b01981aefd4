"""The director's pages: signing in and out on the phone, their shifts, A/B filing, work records.

What a director may do to a shift or a problem now is asked of policyops.workflow (the
steps of programs.halls.actions), the same list the admin shows.
"""
from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from policyops import workflow
from policyops.errors import PolicyOpsError
from programs.halls import selectors, services
from programs.halls.forms import ProblemFormSet, SignForm, SubstitutionForm, WorkRecordForm, substitute_choices
from programs.halls.models import Director, DutyShift, Problem, WorkRecord

RECENT_DAYS = 62
SHIFT_RELATED = ("hall", "director__person__department", "director__partner", "substitute__person__department")
PROBLEM_RELATED = ("record__shift__hall", "record__shift__director__person", "record__shift__substitute__person")


# --- Signing in and out --------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def sign(request):
    error = None
    if request.method == "POST":
        form = SignForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                shift = services.shift_sign(user=request.user, hall=data["hall"], code=data["code"],
                                            action=data["action"], now=timezone.now())
            except PolicyOpsError as exc:
                error = str(exc)
            else:
                if data["action"] == "sign_in":
                    messages.success(request, _("Signed in at %(time)s, %(hall)s.") % {
                        "time": f"{timezone.localtime(shift.signed_in_at):%H:%M}", "hall": data["hall"]})
                else:
                    messages.success(request, _("Signed out at %(time)s; %(minutes)s minutes on duty.") % {
                        "time": f"{timezone.localtime(shift.signed_out_at):%H:%M}",
                        "minutes": shift.minutes_on_duty if shift.minutes_on_duty is not None else "—"})
                    if shift.left_early and not shift.hall.is_training:
                        messages.warning(request, _("You left before the end of your duty: this shift is recorded "
                                                    "as an early departure and does not count as a served day."))
                if shift.hall.is_training:
                    messages.info(request, _("This was practice at a training hall: it counts in no report."))
                return redirect("halls:my_shifts")
    else:
        initial = {}
        if re.fullmatch(r"[0-9]+", request.GET.get("hall") or ""):
            initial["hall"] = request.GET["hall"]
        action = request.GET.get("action")
        # The hall's QR link names no step: scanned again after signing in, it offers the sign-out.
        initial["action"] = action if action in ("sign_in", "sign_out") else (
            awaited_step(request.user, initial.get("hall"), timezone.now()) or "sign_in")
        code = (request.GET.get("code") or "").strip()
        if re.fullmatch(r"[0-9]{1,12}", code):
            initial["code"] = code
        form = SignForm(initial=initial)
    return render(request, "halls/sign.html", {"form": form, "error": error})


def awaited_step(user, hall_id, now) -> str | None:
    """The step (sign_in or sign_out) ``user``'s shift at ``hall_id`` awaits at ``now``, if they are on duty there."""
    if not hall_id:
        return None
    shifts = [s for s in selectors.next_shifts(user=user, today=timezone.localtime(now).date())
              if str(s.hall_id) == str(hall_id)]
    return selectors.on_duty_now(shifts, user=user, now=now)[1]


# --- Shifts: A/B filing and work records ------------------------------------------------------


@login_required
@require_GET
def my_shifts(request):
    user, now, today = request.user, timezone.now(), timezone.localdate()
    director = (Director.objects.filter(person__user=user)
                .select_related("person__department", "partner__person", "hall").first())
    rows = []
    for shift in selectors.user_shifts(user=user, since=today - dt.timedelta(days=RECENT_DAYS), today=today):
        ready = workflow.ready_action_names(shift, user, as_of=now)
        rows.append({"shift": shift, "mine": shift.director.person.user_id == user.pk, "on_duty": shift.on_duty,
                     "can_file": "file_substitution" in ready, "can_record": "record_work" in ready,
                     "record": getattr(shift, "work_record", None)})
    now_shift, now_step = selectors.on_duty_now([r["shift"] for r in rows], user=user, now=now)
    for row in rows:  # the shift on duty now offers its sign-in or sign-out, hall chosen
        row["step"] = now_step if row["shift"] is now_shift else None
    substitutes = list(substitute_choices(director)) if director else []
    return render(request, "halls/my_shifts.html", {
        "director": director, "upcoming": [r for r in rows if r["shift"].date >= today],
        "recent": [r for r in reversed(rows) if r["shift"].date < today], "substitutes": substitutes,
        "today": today})


@login_required
@require_POST
def file_substitution(request, shift_id):
    shift = get_object_or_404(DutyShift.objects.select_related(*SHIFT_RELATED), pk=shift_id,
                              director__person__user=request.user)
    form = SubstitutionForm(request.POST, shift=shift)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("halls:my_shifts")
    try:
        workflow.perform(shift, "file_substitution", acting_user=request.user, as_of=timezone.now(),
                         **form.cleaned_data)
    except PolicyOpsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The substitution for %(date)s is filed: %(substitute)s is on duty.")
                         % {"date": shift.date, "substitute": shift.substitute.person.name})
    return redirect("halls:my_shifts")


@login_required
@require_http_methods(["GET", "POST"])
def work_record(request, shift_id):
    user, now = request.user, timezone.now()
    shift = get_object_or_404(DutyShift.objects.visible_to(user).select_related(*SHIFT_RELATED), pk=shift_id)
    if "record_work" not in workflow.ready_action_names(shift, user, as_of=now):
        raise Http404
    record = WorkRecord.objects.filter(shift=shift).first() or WorkRecord(shift=shift)
    data = request.POST if request.method == "POST" else None
    form = WorkRecordForm(data, shift=shift)
    problems = ProblemFormSet(data, instance=record, prefix="problems")
    if data is not None and form.is_valid() and problems.is_valid():
        try:
            form.save(problems, acting_user=user)
        except PolicyOpsError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, str(exc))
            else:
                messages.error(request, str(exc))
                return redirect("halls:my_shifts")
        else:
            messages.success(request, _("The work record of %(date)s is saved.") % {"date": shift.date})
            return redirect("halls:my_shifts")
    follow_ups = []
    if record.pk:
        for problem in record.problems.select_related(*PROBLEM_RELATED).order_by("id"):
            follow_ups.append({"problem": problem, "actions": workflow.available_actions(problem, user, as_of=now)})
    return render(request, "halls/work_record.html", {"shift": shift, "form": form, "problems": problems,
                                                      "follow_ups": follow_ups})


@login_required
@require_POST
def problem_step(request, problem_id, name):
    """A step of a problem's follow-up (start, rectified, reopen) through policyops.workflow."""
    problem = get_object_or_404(Problem.objects.visible_to(request.user).select_related(*PROBLEM_RELATED),
                                pk=problem_id)
    try:
        workflow.perform(problem, name, acting_user=request.user, as_of=timezone.now())
    except PolicyOpsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(obj)s: “%(action)s” done; now “%(state)s”.") % {
            "obj": problem, "action": workflow.get_action(problem, name).label, "state": workflow.state_label(problem)})
    return redirect("halls:work_record", problem.record.shift_id)
