"""Forms of the road programme's pages and of its workflow actions (admin action pages).

An action's form collects only what its service needs; the services decide and refuse.
Field names are the ``field`` names the services put on InvalidInput, so a refusal is
shown next to the field it is about.
"""
from django import forms
from django.utils.translation import gettext_lazy as _

from policyops.forms import HtmlDateInput
from programs.roads import guards
from programs.roads.parsing import UnitKind, parse_quantity
from programs.roads.project_lists import PROJECT_UPLOAD_MAX_BYTES, file_format


class ProjectImportForm(forms.Form):
    file = forms.FileField(label=_("project list"), help_text=_(
        "A .xlsx workbook or a .csv file (UTF-8 or GBK) with the columns below, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if file_format(upload.name or "") is None:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > PROJECT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 5 MB)."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class ProjectImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)


# --- workflow actions --------------------------------------------------------------------------


class ProjectActionForm(forms.Form):
    """What a project's step needs besides the project, the acting user and the date."""

    def __init__(self, *args, project, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class StepEvidenceForm(ProjectActionForm):
    """The evidence of the step the project finishes (supplies guards.step_has_evidence)."""

    evidence_number = forms.CharField(label=_("evidence document number"), max_length=100, required=False)
    # The date on the document, not the day it is entered (services.project_advance checks it).
    evidence_date = forms.DateField(label=_("evidence date"), required=False, widget=HtmlDateInput,
                                    help_text=_("The date on the evidence document; blank: today."))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, project=project, **kwargs)
        # Required unless the step's evidence was attached already (in the milestone rows).
        self.fields["evidence_number"].required = not guards.step_has_evidence(project)


class ProgressForm(ProjectActionForm):
    completed_km = forms.CharField(label=_("km completed"), max_length=30, help_text=_(
        "km; a unit may follow the number (6.5公里)."))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, project=project, **kwargs)
        self.fields["completed_km"].initial = format(project.completed_km.normalize(), "f")

    def clean_completed_km(self):
        try:
            km = parse_quantity(self.cleaned_data["completed_km"], UnitKind.KM)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        if km is None:
            raise forms.ValidationError(_("Give the km completed."))
        return km


class AdjustmentDecisionForm(forms.Form):
    note_required = False

    note = forms.CharField(label=_("decision note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, adjustment, **kwargs):
        self.adjustment = adjustment
        super().__init__(*args, **kwargs)
        self.fields["note"].required = self.note_required

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class RejectAdjustmentForm(AdjustmentDecisionForm):
    note_required = True
