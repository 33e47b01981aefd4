"""Forms of the road programme's pages."""
from django import forms
from django.utils.translation import gettext_lazy as _

from programs.roads.resources import PROJECT_UPLOAD_MAX_BYTES, file_format


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


class AdvanceProjectForm(forms.Form):
    """The evidence of the step a project finishes (admin transition buttons)."""

    evidence_number = forms.CharField(label=_("evidence document number"), max_length=100, required=False)
