from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Q
from django.db.models.fields import AutoFieldMixin
from django.forms.utils import ErrorDict
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class HtmlDateInput(forms.DateInput):
    """A browser date picker. Its value must be ISO (YYYY-MM-DD) whatever the language's
    date format: Chromium shows ``value="2026/11/29"`` as empty, and an untouched field
    then fails as required."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class SearchedSelect(forms.Select):
    """The select of a long list — the people a user sees, over a thousand in a district whose
    hall has a thousand directors — holding only its chosen option: rendering every person made
    the registration page 46 KB and 63 ms at that scale (issue 12). page.js puts a search box
    before it that asks ``search_url`` (an answer of ``searched_choices``) for the matching
    rows. The field's queryset still decides what is valid; this only decides what is drawn.

    Without JavaScript the select carries its own search in a ``<noscript>``: a box and a
    button of the form (``NoScriptSearchFormMixin``). Pressing it draws the form again with
    ``search_term`` set, and the select then offers the rows ``search_fields`` match, the
    first of them chosen unless the chosen row is among them, as page.js does.
    """

    template_name = "policyops/widgets/searched_select.html"

    # The admin's form page renders the form's media; the site's pages load page.js themselves.
    class Media:
        js = ["policyops/page.js"]

    def __init__(self, search_url, search_fields=(), attrs=None):
        super().__init__(attrs)
        self.search_url = search_url
        self.search_fields = tuple(search_fields)
        self.search_term = None  # set by NoScriptSearchFormMixin when the form's search button was pressed
        self._found_summary = ""  # what this render's search found, said (set while its options are drawn)

    @staticmethod
    def term_name(name: str) -> str:
        return f"{name}__q"

    @staticmethod
    def button_name(name: str) -> str:
        return f"{name}__search"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)  # draws the options: sets _found_summary
        label = str(_("Search by name or department"))
        context["widget"]["attrs"].update({
            "data-search-url": str(self.search_url),
            "data-search-label": label,
            "data-search-failed": str(_("The search failed; try again.")),
        })
        context["search"] = {
            "label": label, "term_name": self.term_name(name),
            "button_name": self.button_name(name), "term": self.search_term or "",
            "summary": self._found_summary,
            "offered": bool(self.search_fields),
        }
        return context

    def optgroups(self, name, value, attrs=None):
        full = self.choices
        chosen = list(self._chosen_choices(full, value))
        found = self._found_choices(full)
        values = {str(v) for v in value}
        if found and not any(str(key) in values for key, _label in found):
            value = [str(found[0][0])]  # page.js chooses the first row found too
        shown = {str(key) for key, _label in chosen}
        self.choices = chosen + [(key, label) for key, label in found if str(key) not in shown]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = full

    def _found_choices(self, choices) -> list:
        """The rows the no-JavaScript search found, as (key, label) choices; [] without one."""
        self._found_summary = ""
        if self.search_term is None or not self.search_fields:
            return []
        rows, self._found_summary = search_rows(choices.queryset, self.search_term, fields=self.search_fields)
        return [choices.choice(row) for row in rows]

    @staticmethod
    def _chosen_choices(choices, value):
        """The empty choice (when the field has one) and the chosen rows, read by their keys
        (``choices`` is a ModelChoiceField's: this widget is for model choices)."""
        if choices.field.empty_label is not None:
            yield "", choices.field.empty_label
        keys = [key for key in value if key not in ("", None)]
        try:
            chosen = list(choices.queryset.filter(pk__in=keys)) if keys else []
        except (ValueError, TypeError, ValidationError):  # a tampered value: nothing is chosen
            chosen = []
        for obj in chosen:
            yield choices.choice(obj)


class NoScriptSearchFormMixin:
    """A form whose SearchedSelects can search without JavaScript.

    Their search button posts the whole form. The form then stays as it was filled in, shows
    no error, and is never valid, so a view that saves a valid form draws it again instead:
    the select offers what its search found (``SearchedSelect``). ``searched_field`` names
    the field whose search was asked (None for a real submission).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.searched_field = None
        if not self.is_bound:
            return
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, SearchedSelect) and widget.button_name(self.add_prefix(name)) in self.data:
                widget.search_term = str(self.data.get(widget.term_name(self.add_prefix(name)), ""))
                self.searched_field = name
                break

    def full_clean(self):
        if self.searched_field is None:
            return super().full_clean()
        # A search, not a submission: nothing is checked, so nothing is said wrong yet.
        self._errors = ErrorDict()
        self.cleaned_data = {}

    def is_valid(self):
        return self.searched_field is None and super().is_valid()


SEARCH_RESULTS_LIMIT = 20


def search_rows(queryset, term: str, *, fields: tuple[str, ...]) -> tuple[list, str]:
    """The first SEARCH_RESULTS_LIMIT rows of ``queryset`` whose ``fields`` contain ``term``, and
    what to tell the user about them (found how many, or to type more)."""
    term = " ".join(term.split())[:50]
    if not term:
        return [], str(_("Type part of a name."))
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": term})
    rows = list(queryset.filter(condition)[:SEARCH_RESULTS_LIMIT + 1])
    shown = rows[:SEARCH_RESULTS_LIMIT]
    if not shown:
        summary = _("Nobody found; check the name.")
    elif len(rows) > SEARCH_RESULTS_LIMIT:
        summary = _("The first %(count)s found; type more to narrow it.") % {"count": len(shown)}
    else:
        summary = ngettext("%(count)s found.", "%(count)s found.", len(shown)) % {"count": len(shown)}
    return shown, str(summary)


def searched_choices(queryset, term: str, *, fields: tuple[str, ...]) -> JsonResponse:
    """What a SearchedSelect's search box asks for (``search_rows``), as ``{"results": [{"id",
    "text"}], "summary"}`` (the text is the row's ``str``, as the select shows it)."""
    shown, summary = search_rows(queryset, term, fields=fields)
    return JsonResponse({"results": [{"id": row.pk, "text": str(row)} for row in shown], "summary": summary})


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


def key_of(model, value):
    """``value`` (posted or query-string text) as a key of ``model``'s rows, or None when it can
    name none: not of the key's type, below 1 for a key the database numbers, or outside an
    integer key's column. Django checks that range for ``exact`` on PostgreSQL but not on
    SQLite, nor for ``in``: SQLite refused a 30-digit integer with a 500."""
    field = model._meta.pk
    try:
        key = field.to_python(value)
    except ValidationError:
        return None
    low, high = connections[router.db_for_read(model)].ops.integer_field_ranges.get(
        field.get_internal_type(), (None, None))
    if isinstance(field, AutoFieldMixin):
        low = 1
    if key is None or (low is not None and key < low) or (high is not None and key > high):
        return None
    return key


def keys_of(model, values) -> set:
    """Those of ``values`` that can name a row of ``model`` (``key_of``), as keys."""
    return {key for value in values if (key := key_of(model, value)) is not None}
