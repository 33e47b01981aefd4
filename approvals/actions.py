"""Every step of a case and of an entrustment, declared once for every face.

The admin buttons, the pages, the API (``allowed_transitions`` and the transition
endpoints) and bulk actions all iterate these lists through policyops.workflow. To add a
step: write the ``@transition`` (with its conditions) on the model, the ``case_<name>``
service, its form and serializer, and one line here.
"""
from functools import partial

from django.utils.translation import gettext_lazy as _

from approvals import forms as f
from approvals import guards as g
from approvals import serializers as s
from approvals import services
from approvals.models import ApprovalCase, Entrustment, _has_revocation_reason, _has_suspension_reason
from policyops.workflow import Action


def _case(name, label, form, serializer=None, supplies=()):
    return Action(name, label, getattr(services, f"case_{name}"), target="case", form=form, serializer=serializer,
                  supplies=supplies)


CASE_ACTIONS = [
    # The correction form ticks the missing items, so it supplies has_missing_materials.
    _case("request_correction", _("Request a correction"), f.CorrectionForm, s.CorrectionInputSerializer,
          (g.has_missing_materials,)),
    _case("resubmit", _("Record the resubmission"), f.ResubmitForm, s.ResubmitInputSerializer),
    _case("accept", _("Accept"), f.ConfirmForm),
    _case("refuse", _("Do not accept"), f.RefuseForm, s.RefuseInputSerializer, (g.has_refusal_reason,)),
    _case("start_review", _("Start the review"), f.ConfirmForm),
    _case("pause", _("Pause the clock"), f.PauseForm, s.PauseInputSerializer),
    _case("resume", _("Resume the clock"), f.ConfirmForm),
    _case("extend", _("Extend the time limit"), f.ExtendForm, s.RequiredReasonSerializer),
    _case("approve", _("Approve"), f.ApproveForm, s.OptionalReasonSerializer),
    _case("deny", _("Deny"), f.DenyForm, s.RequiredReasonSerializer, (g.has_decision_reason,)),
    _case("issue_licence", _("Issue the licence"), f.LicenceForm, s.LicenceInputSerializer,
          (g.has_licence_number,)),
    _case("forward", _("Forward to the deciding authority"), f.ApproveForm, s.OptionalReasonSerializer),
    _case("record_superior_decision", _("Record the deciding authority's decision"), f.SuperiorDecisionForm,
          s.SuperiorDecisionInputSerializer, (g.has_superior_decision,)),
    _case("withdraw", _("Withdraw"), f.ReasonForm, s.OptionalReasonSerializer),
]


def _entrustment(name, label):
    return Action(name, label, partial(services.entrustment_transition, action=name), target="entrustment")


ENTRUSTMENT_ACTIONS = [
    _entrustment("sign", _("Sign")),
    _entrustment("file", _("Record the filing")),
    _entrustment("bring_into_force", _("Bring into force")),
    Action("suspend", _("Suspend…"), services.entrustment_suspend, target="entrustment",
           form=f.SuspendEntrustmentForm, supplies=(_has_suspension_reason,)),
    _entrustment("reinstate", _("Reinstate")),
    _entrustment("expire", _("Mark as expired")),
    Action("revoke", _("Revoke…"), services.entrustment_revoke, target="entrustment", form=f.RevokeEntrustmentForm,
           supplies=(_has_revocation_reason,)),
]


def register_all():
    from policyops import workflow

    workflow.register(ApprovalCase, CASE_ACTIONS)
    workflow.register(Entrustment, ENTRUSTMENT_ACTIONS)
