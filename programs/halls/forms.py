"""Forms of the hall-duty pages and of the admin's rota pages.

Each form collects what a service needs; the services decide and refuse. The forms of the
shift steps (programs.halls.actions) are built with ``(data, shift=...)`` and give the
service's inputs by ``service_kwargs()`` (or their cleaned data). The work record is saved
through ``services.work_record_save``, on the director's page and in the admin alike.
"""
from __future__ import annotations

import re

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.rules import case_number_as_typed
from policyops.forms import HtmlDateInput, preselect_single_choices
from policyops.models import ServiceHall
from policyops.months import next_month
from programs.halls import rules
from programs.halls.models import Director, DutyShift, FollowUp, Problem, WorkRecord

ACTIONS = [("sign_in", _("Sign in")), ("sign_out", _("Sign out"))]
MONTHS = [(m, f"{m:02d}") for m in range(1, 13)]


def halls_with_duty():
    return ServiceHall.objects.filter(duty_settings__isnull=False).select_related("district")


# --- Director's phone ------------------------------------------------------------------


class SignForm(forms.Form):
    hall = forms.ModelChoiceField(label=_("service hall"), queryset=ServiceHall.objects.none())
    code = forms.CharField(label=_("code on the hall's screen"), max_length=12, widget=forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}))
    action = forms.ChoiceField(label=_("action"), choices=ACTIONS, initial="sign_in", widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hall"].queryset = halls_with_duty()


class SubstitutionForm(forms.Form):
    substitute = forms.ModelChoiceField(label=_("substitute (A/B)"), queryset=Director.objects.none())
    reason = forms.CharField(label=_("reason for the substitution"), max_length=200)

    def __init__(self, *args, shift: DutyShift, **kwargs):
        super().__init__(*args, **kwargs)
        director = shift.director
        self.fields["substitute"].queryset = substitute_choices(director)
        if director.partner_id and director.partner.active:
            self.fields["substitute"].initial = director.partner_id


class ObjectionForm(forms.Form):
    """A supervisor's objection to a filed A/B substitution: the reason both directors are told."""

    reason = forms.CharField(label=_("reason for the objection"), max_length=200)

    def __init__(self, *args, shift: DutyShift | None = None, **kwargs):
        super().__init__(*args, **kwargs)


def substitute_choices(director: Director):
    """Active leaders of the director's department (any hall), the director excluded."""
    return (Director.objects.filter(rules.same_department_q(director.person), active=True)
            .exclude(pk=director.pk).select_related("person__department").order_by("person__name"))


CASE_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _cases_visible_to(user):
    from approvals.models import ApprovalCase

    if user is None:
        return ApprovalCase.objects.none()
    return ApprovalCase.objects.visible_to(user) | ApprovalCase.objects.filter(first_contact__user=user)


class WorkRecordForm(forms.Form):
    """The cases the director on duty accepted and the opinions they gathered (the ``record_work`` step)."""

    cases = forms.CharField(
        label=_("cases accepted"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Case numbers, separated by commas. You become the first-contact person who follows each "
                    "case to the end."))
    opinions = forms.CharField(label=_("opinions gathered from service users"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, shift: DutyShift, **kwargs):
        record = WorkRecord.objects.filter(shift=shift).first()
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = {"cases": ", ".join(record.cases.order_by("number").values_list("number", flat=True)),
                                 "opinions": record.opinions}
        super().__init__(*args, **kwargs)
        self.shift = shift
        self.user = shift.on_duty.person.user  # only the director on duty keeps it (the service checks)

    def clean_cases(self):
        # Typed as at the status page: ｐｄ－２０２６－０００００１ is PD-2026-000001.
        typed = case_number_as_typed(self.cleaned_data["cases"])
        numbers = list(dict.fromkeys(n for n in CASE_SEPARATORS.split(typed) if n))
        if not numbers:
            return []
        found = {case.number: case for case in _cases_visible_to(self.user).filter(number__in=numbers).distinct()}
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise forms.ValidationError(_("No case you may see has these numbers: %(numbers)s"),
                                        params={"numbers": "、".join(unknown)})
        return [found[n] for n in numbers]

    def service_kwargs(self) -> dict:
        return {"cases": self.cleaned_data["cases"], "opinions": self.cleaned_data["opinions"]}

    def save(self, problems, *, acting_user) -> WorkRecord:
        """Save the record through its service, and the problems' texts, in one transaction."""
        from programs.halls.services import work_record_save

        with transaction.atomic():
            record = work_record_save(shift=self.shift, acting_user=acting_user, **self.service_kwargs())
            problems.instance = record
            problems.save()
        return record


# The follow-up of a problem (its state) is no field: it moves by its steps (problem actions).
ProblemFormSet = forms.inlineformset_factory(
    WorkRecord, Problem, fields=("description", "proposal"), extra=2, can_delete=True,
    widgets={"description": forms.Textarea(attrs={"rows": 2}), "proposal": forms.Textarea(attrs={"rows": 2})})


# --- Public evaluation ---------------------------------------------------------------------


class EvaluationForm(forms.Form):
    shift = forms.TypedChoiceField(label=_("director"), coerce=int, required=False, widget=forms.RadioSelect)
    level = forms.TypedChoiceField(label=_("rating"), choices=rules.EVALUATION_LEVELS, coerce=int,
                                   widget=forms.RadioSelect)
    comment = forms.CharField(label=_("comment (optional)"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, on_duty=(), **kwargs):
        super().__init__(*args, **kwargs)
        # With several directors on duty the service user says whom they rate.
        self.fields["shift"].choices = [(d["shift_id"], f"{d['name']} {d['department']}") for d in on_duty]
        if len(on_duty) <= 1:
            del self.fields["shift"]


# --- Admin pages ---------------------------------------------------------------------------


class GenerateRotaForm(forms.Form):
    hall = forms.ModelChoiceField(label=_("service hall"), queryset=ServiceHall.objects.none())
    year = forms.IntegerField(label=_("year"), min_value=2018, max_value=2100)
    month = forms.TypedChoiceField(label=_("month"), choices=MONTHS, coerce=int)

    def __init__(self, *args, halls, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hall"].queryset = halls
        preselect_single_choices(self)
        following = next_month(timezone.localdate())
        self.fields["year"].initial = following.year
        self.fields["month"].initial = following.month


class MoveShiftForm(forms.Form):
    date = forms.DateField(label=_("new date"), widget=HtmlDateInput())

    def __init__(self, *args, shift: DutyShift | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if shift is not None:
            self.fields["date"].initial = shift.date

    def service_kwargs(self) -> dict:
        return {"day": self.cleaned_data["date"]}


class FollowUpAnswerForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["answer"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 4})}

    def clean_answer(self):
        answer = (self.cleaned_data.get("answer") or "").strip()
        if not answer:
            raise forms.ValidationError(_("Write the answer."))
        return answer
