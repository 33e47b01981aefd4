from django import forms
from django.utils.translation import gettext_lazy as _


class HtmlDateInput(forms.DateInput):
    """A browser date picker. Its value must be ISO (YYYY-MM-DD) whatever the language's
    date format: Chromium shows ``value="2026/11/29"`` as empty, and an untouched field
    then fails as required."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def preselect_single_choices(form) -> None:
    """A required choice with exactly one valid option is chosen already (a clerk's only hall)."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField) or not field.required or form.initial.get(name):
            continue
        if field.initial is None:
            only = list(field.queryset[:2])
            if len(only) == 1:
                field.initial = only[0].pk


class OfficialCalendarImportForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    notice = forms.CharField(label=_("notice"), max_length=200, required=False,
                             help_text=_("e.g. 国务院办公厅关于2027年部分节假日安排的通知"))
    file = forms.FileField(label=_("file"), help_text=_(
        "UTF-8 CSV with the columns date,type,name; type is 休 (holiday) or 班 (adjusted working day)."))

    MAX_BYTES = 256 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 256 KB)."))
        return upload
