"""Every step of a policy task, declared once for every face.

The admin (next-step buttons, form pages, bulk actions) and the API (``allowed_transitions``
and ``POST /api/policy-tasks/{id}/{action}/``) iterate this list through
``policyops.workflow``. To add a step: the ``@transition`` (with its ``@condition``\\ s) on
``PolicyTask``, the ``policy_task_<name>`` service, its form and serializer when it takes
input, and one line here.
"""
from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from policyops import services
from policyops.api import Serializer
from policyops.models import PolicyTask
from policyops.models.ledger import has_progress_report, has_return_reason
from policyops.workflow import Action

# --- input: admin forms ------------------------------------------------------------------


class PolicyTaskStepForm(forms.Form):
    """The input of one step on ``task``; ``service_kwargs()`` hands it to the service."""

    def __init__(self, data=None, *args, task: PolicyTask, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.task = task

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ProgressReportForm(PolicyTaskStepForm):
    progress_report = forms.CharField(label=_("progress report"), widget=forms.Textarea(attrs={"rows": 6}),
                                      help_text=_("What has been done toward the task, with figures where the "
                                                  "task sets them."))

    def __init__(self, data=None, *args, task: PolicyTask, **kwargs):
        super().__init__(data, *args, task=task, **kwargs)
        self.fields["progress_report"].initial = task.progress_report


class ReturnReasonForm(PolicyTaskStepForm):
    reason = forms.CharField(label=_("reason for return"), widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("What the lead unit must add or correct before submitting again."))


# --- input: API request bodies -------------------------------------------------------------


class ProgressReportSerializer(Serializer):
    labels_from = ProgressReportForm

    progress_report = serializers.CharField()


class ReturnReasonSerializer(Serializer):
    labels_from = ReturnReasonForm

    reason = serializers.CharField()


# --- the steps, in the order faces show them ----------------------------------------------------


def _step(name, label, service, form=None, serializer=None, supplies=()):
    return Action(name, label, service, target="task", form=form, serializer=serializer, supplies=supplies)


POLICY_TASK_ACTIONS = [
    _step("start", _("Start work"), services.policy_task_start),
    # The form asks for the report, so it supplies has_progress_report (counted as met when listing).
    _step("submit", _("Submit"), services.policy_task_submit, ProgressReportForm, ProgressReportSerializer,
          (has_progress_report,)),
    _step("accept", _("Accept the task"), services.policy_task_accept),
    _step("return_for_rework", _("Return for rework"), services.policy_task_return, ReturnReasonForm,
          ReturnReasonSerializer, (has_return_reason,)),
    _step("resume", _("Resume work"), services.policy_task_resume),
]

# Steps without input: also offered as changelist (bulk) actions.
BULK_ACTIONS = {
    "start": _("Start the selected tasks"),
    "accept": _("Accept the selected tasks"),
    "resume": _("Resume the selected tasks"),
}


def register_all():
    from policyops import workflow

    workflow.register(PolicyTask, POLICY_TASK_ACTIONS)
