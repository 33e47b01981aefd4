"""Running a workflow action from a form: the one routine the admin and the front pages share.

``attempt_action`` builds the action's form, runs the step through its service and maps a
refusal onto the form field it concerns. ``action_page`` is the front pages' view body:
GET shows the form (or a confirmation), POST runs the step and returns to ``back_url``.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from policyops import workflow
from policyops.errors import PolicyOpsError

ACTION_PAGE_TEMPLATE = "policyops/action_page.html"


@dataclass
class ActionAttempt:
    action: workflow.Action
    form: object | None
    done: bool = False
    error: str | None = None  # a refusal that concerns no field of the form


def attempt_action(obj, name: str, *, user, as_of, data=None, files=None) -> ActionAttempt:
    """Build action ``name``'s form for ``obj``; with ``data``, validate it and run the step."""
    action = workflow.get_action(obj, name)
    if action is None:
        raise Http404
    form = action.form(data, files, **{action.target: obj}) if action.form is not None else None
    attempt = ActionAttempt(action, form)
    if data is None or (form is not None and not form.is_valid()):
        return attempt
    inputs = form.service_kwargs() if form is not None and hasattr(form, "service_kwargs") else (
        dict(form.cleaned_data) if form is not None else {})
    try:
        workflow.perform(obj, name, acting_user=user, as_of=as_of, **inputs)
    except PolicyOpsError as exc:
        if form is not None and exc.field in form.fields:
            form.add_error(exc.field, str(exc))
        else:
            attempt.error = str(exc)
        return attempt
    attempt.done = True
    return attempt


def done_message(obj, action) -> str:
    return _("%(obj)s: “%(action)s” done; now “%(state)s”.") % {
        "obj": obj, "action": action.title, "state": workflow.state_label(obj)}


def action_page(request, obj, name: str, *, as_of, back_url: str, head=(), extra_css=()):
    """GET: the step's form; POST: run it, then back to ``back_url`` with a message."""
    posted = request.method == "POST"
    attempt = attempt_action(obj, name, user=request.user, as_of=as_of,
                             data=request.POST if posted else None, files=request.FILES if posted else None)
    if attempt.done:
        messages.success(request, done_message(obj, attempt.action))
        return redirect(back_url)
    if attempt.error:
        messages.error(request, attempt.error)
        return redirect(back_url)
    return render(request, ACTION_PAGE_TEMPLATE, {
        "obj": obj, "action": attempt.action, "form": attempt.form, "back_url": back_url, "head": head,
        "extra_css": extra_css, "title": f"{obj}：{attempt.action.title}"},
        status=400 if posted else 200)
