"""The admin face of the workflow kernel: next-step buttons, one form page per action.

A ModelAdmin that mixes in WorkflowAdminMixin shows, on its change page, one button per
action ``policyops.workflow.available_actions`` offers (disabled with the reason when
blocked), and runs an action through ``policyops.workflow`` — never a state saved from a
form. ``workflow_bulk_action(...)`` makes a changelist action of an action without input.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from policyops import workflow
from policyops.action_pages import attempt_action, done_message
from policyops.errors import PolicyOpsError

FORM_PAGE_TEMPLATE = "admin/policyops/form_page.html"


def form_page(admin, request, *, title, form, submit_label, cancel_url, original=None, **context):
    """The one admin page that asks for a form's input (an action's, an import's, a bulk step's)."""
    return TemplateResponse(request, FORM_PAGE_TEMPLATE, {
        **admin.admin_site.each_context(request), "opts": admin.opts, "original": original, "form": form,
        "title": title, "submit_label": submit_label, "cancel_url": cancel_url, **context})


class WorkflowAdminMixin:
    """Next-step buttons and action pages for a model registered with policyops.workflow."""

    change_form_template = "admin/policyops/workflow_change_form.html"
    # Stylesheets the action pages need besides the admin's own (e.g. due badges).
    workflow_css: tuple[str, ...] = ()

    def workflow_as_of(self, request):
        """The date actions are taken on: today in the project's time zone."""
        return timezone.localdate()

    def workflow_head(self, request, obj) -> list[tuple]:
        """(label, value) rows shown above an action's form: what the user acts on."""
        return []  # pragma: no mutate — None reads the same: form_page.html writes the rows only {% if head %}

    def _action_url_name(self):
        return f"{self.opts.app_label}_{self.opts.model_name}_workflow_action"

    def get_urls(self):
        return [
            path("<path:object_id>/action/<str:name>/", self.admin_site.admin_view(self.workflow_action_view),
                 name=self._action_url_name()),
            *super().get_urls(),
        ]

    def workflow_buttons(self, request, obj) -> list[dict]:
        url_name = f"admin:{self._action_url_name()}"
        return [{"name": a.name, "label": a.label, "ready": a.ready, "reason": a.reason, "hidden": [],
                 "url": reverse(url_name, args=[obj.pk, a.name])}
                for a in workflow.available_actions(obj, request.user, as_of=self.workflow_as_of(request))]

    def extra_workflow_buttons(self, request, obj) -> list[dict]:
        """Buttons of steps that are not transitions (e.g. assigning a handler)."""
        return []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context["workflow_buttons"] = [*self.workflow_buttons(request, obj),
                                                 *self.extra_workflow_buttons(request, obj)]
        return super().change_view(request, object_id, form_url, extra_context)

    def workflow_action_view(self, request, object_id, name):
        obj = self.get_object(request, unquote(object_id))
        action = workflow.get_action(self.model, name)
        if action is None or obj is None:
            raise Http404
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        confirmed = request.method == "POST" and "_confirm" in request.POST
        attempt = attempt_action(obj, name, user=request.user, as_of=self.workflow_as_of(request),
                                 data=request.POST if confirmed else None, files=request.FILES if confirmed else None)
        form = attempt.form
        if attempt.error:
            self.message_user(request, attempt.error, messages.ERROR)
            return redirect(change_url)
        if attempt.done:
            self.message_user(request, done_message(obj, action), messages.SUCCESS)
            return redirect(change_url)
        return form_page(self, request, title=f"{obj}: {action.label}", form=form, original=obj,
                         submit_label=action.label, cancel_url=change_url, hidden=[("_confirm", "1")],
                         head=self.workflow_head(request, obj), extra_css=self.workflow_css)


def workflow_bulk_action(name: str, description, *, permissions: tuple[str, ...] = ()):
    """A changelist action that runs workflow action ``name`` (no input) on each selected row.

    ``permissions``: the admin's ``has_<name>_permission`` checks that offer the action at all
    (each row is still checked by its transition's own permission).
    """

    def run(modeladmin, request, queryset):
        done = 0
        as_of = modeladmin.workflow_as_of(request)
        for obj in queryset:
            try:
                workflow.perform(obj, name, acting_user=request.user, as_of=as_of)
                done += 1
            except PolicyOpsError as exc:
                modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(count)s item(s) updated.") % {"count": done}, messages.SUCCESS)

    run.__name__ = f"workflow_{name}"
    run.short_description = description
    if permissions:
        run.allowed_permissions = permissions
    return run
