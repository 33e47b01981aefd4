"""The admin's result list with the per-page work done once per page, not once per cell.

Django's ``items_for_result`` works out, for every cell, which field or method the column
shows, how to format it and where the row's link goes (a ``reverse`` and a ``resolve`` per
row for the link and its preserved filters). At 50 rows and nine columns that was about
a third of the case list's time (issue 12). ``PrecomputedResultListMixin`` plans the columns
once per page and then only reads and formats each value; ``tests/policyops/
test_admin_result_list.py`` pins its HTML to Django's, cell for cell.

The plan covers what PolicyOps' lists use: model fields (date-times in the request's time
zone; not times of day, nor many-to-many), admin methods, model methods and properties, and
the selection checkbox. Any other list (``list_editable``, a pop-up, a callable in
``list_display``, no linked column) is left to Django's own rendering.

The planned rows are written into the results table at once
(``admin/precomputed_change_list_results.html``), and the list filters are written here
from their choices (``filter_html``) instead of through admin/filter.html; tests compare
both templates and their output with Django's.
"""
import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import django.contrib.admin
from django import forms
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    admin_list_filter,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    quote,
)
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.forms.widgets import MEDIA_TYPES
from django.template import Engine
from django.urls import NoReverseMatch
from django.utils import dateformat, formats, timezone
from django.utils.encoding import iri_to_uri
from django.utils.safestring import SafeData, SafeString
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import get_language, gettext

from policyops.admin_base import ListCheckboxMixin
from policyops.formatting import escaped, escaped_unless_safe
from policyops.pagination import CappedPaginator
from policyops.reversing import url_maker
from policyops.scoping import model_at


@dataclass(frozen=True)
class _Column:
    name: str
    classes: str  # the cell's class attribute, as Django writes it
    cell: Callable  # row -> (the cell's content: safe HTML or text to escape, whether to add "nowrap")


def _date_cell(attname, empty):
    """Dates repeat on a page (a day's intake): each is formatted once."""
    date_format = formats.get_format("DATE_FORMAT")
    formatted = {}

    def cell(row):
        value = getattr(row, attname)
        if value is None:
            return empty, False
        if value not in formatted:
            formatted[value] = dateformat.format(value, date_format)
        return formatted[value], False

    return cell


def _moment_cell(attname, empty):
    """A date-time in the request's time zone, formatted as Django's display_for_field does."""

    def cell(row):
        value = getattr(row, attname)
        return (empty if value is None else formats.localize(timezone.template_localtime(value))), False

    return cell


_TEXT = (str, SafeString)


def _method_cell(method, empty, read=None):
    """An admin method's value as Django shows it (``display_for_value``), and whether it is a
    date or time (Django then classes the cell "nowrap"). ``read`` (row -> value) stands in for
    the method where the admin gives one for the page (see ``_admin_method_cell``)."""
    empty = getattr(method, "empty_value_display", empty)
    boolean = getattr(method, "boolean", False)
    read = read or method

    def cell(row):
        value = _blank_to_empty(read(row))
        # The pragma: a boolean column's values are True, False or None, never text (Django fails on text).
        if (value and type(value) in _TEXT
                and not boolean):  # pragma: no mutate — see above
            return value, False  # what display_for_value gives text: itself
        return display_for_value(value, empty, boolean), isinstance(value, (datetime.date, datetime.time))

    return cell


def _model_attribute_cell(name, empty):
    """A model method's or property's value, read per row as Django's lookup_field does."""

    def cell(row):
        attr = getattr(row, name)
        value = _blank_to_empty(attr() if callable(attr) else attr)
        shown = display_for_value(value, getattr(attr, "empty_value_display", empty), getattr(attr, "boolean", False))
        return shown, isinstance(value, (datetime.date, datetime.time))

    return cell


def _checkbox_method(model_admin):
    """The admin's checkbox, written with its label translated once per page where the admin
    writes it the shared way (policyops.admin_base.ListCheckboxMixin)."""
    if type(model_admin).action_checkbox is ListCheckboxMixin.action_checkbox:
        return model_admin.action_checkbox_writer()
    return model_admin.action_checkbox


def _admin_method_cell(model_admin, name, empty):
    """An admin method's column. Where the admin also has ``<name>_writer()``, the page asks it
    once for a row -> value function that did the rows' common work once (today's date, say)."""
    writer = getattr(model_admin, f"{name}_writer", None)
    return _method_cell(getattr(model_admin, name), empty, writer() if writer else None)


def _column(model_admin, field_name, empty, linked) -> _Column | None:
    """How one column is read and formatted; ``None`` when only Django's generic path knows."""
    if not isinstance(field_name, str):
        return None  # a callable in list_display: Django's way
    classes = [f"field-{field_name}"]
    if field_name == "action_checkbox":
        return _Column(field_name, "action-checkbox", _method_cell(_checkbox_method(model_admin), empty))
    if LOOKUP_SEP in field_name:
        return None  # a related field's value ("power__number"): Django's way
    try:
        field = _get_non_gfk_field(model_admin.model._meta, field_name)
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        # As Django's lookup_field: the admin's method, else the model's attribute ("__str__" went
        # Django's way above, with every name holding "__").
        if hasattr(model_admin, field_name):
            return _Column(field_name, " ".join(classes), _admin_method_cell(model_admin, field_name, empty))
        return _Column(field_name, " ".join(classes), _model_attribute_cell(field_name, empty))
    if field.many_to_many or field.auto_created or isinstance(field, models.TimeField):
        return None  # several values; an automatic key; a time of day: Django's way
    if isinstance(field, (models.DateField, models.ForeignKey)):
        classes.append("nowrap")
    classes = " ".join(classes)
    if isinstance(field, models.DateTimeField) and not field.flatchoices:
        return _Column(field_name, classes, _moment_cell(field.attname, empty))
    if isinstance(field, models.DateField) and not field.flatchoices:
        return _Column(field_name, classes, _date_cell(field.attname, empty))
    if isinstance(field, models.ForeignKey):
        name = field.name

        def related(row):
            value = getattr(row, name)
            return (empty if value is None else value), False

        return _Column(field_name, classes, related)
    attname = field.attname

    def value(row):
        return display_for_field(_blank_to_empty(getattr(row, attname)), field, empty, avoid_link=linked), False

    if field.flatchoices:
        return _Column(field_name, classes, _choice_cell(field, attname, empty, linked) or value)
    if type(field) in (models.CharField, models.TextField):
        def text(row):
            # display_for_field of plain text: the text, or ``empty`` when it is blank.
            text_value = getattr(row, attname)
            return (empty if text_value is None or not text_value.strip() else text_value), False

        return _Column(field_name, classes, text)
    return _Column(field_name, classes, value)


def _choice_cell(field, attname, empty, linked) -> Callable | None:
    """A field with choices shows its label: each label translated once per page, not per row."""
    try:
        labels = {value: str(label) for value, label in field.flatchoices}
    except TypeError:  # a choice whose value cannot be a key: Django's generic cell
        return None

    def cell(row):
        value = _blank_to_empty(getattr(row, attname))
        try:
            return labels.get(value, empty), False
        except TypeError:  # an unhashable value: Django's own way
            return display_for_field(value, field, empty, avoid_link=linked), False

    return cell


def _blank_to_empty(value):
    return "" if isinstance(value, str) and value.strip() == "" else value


def _change_url(cl) -> Callable | None:
    """row -> its change URL with the list's filters preserved, from one reverse per page
    (Django reverses and resolves for each row)."""
    try:
        make = url_maker(f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change", 1,
                         current_app=cl.model_admin.admin_site.name)
        sample = make("0")
    except NoReverseMatch:
        return None
    # The preserved filters are the same for every row.
    _path, mark, query = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts},
                                               sample).partition("?")
    pk_attname = cl.lookup_opts.pk.attname
    return lambda row: f"{make(quote(getattr(row, pk_attname)))}{mark}{query}"


def precomputed_rows(cl) -> list[ResultList] | None:
    """The rows' cells, as Django's ``results(cl)`` gives them; ``None`` when Django must render them."""
    links = cl.list_display_links
    if cl.formset or cl.is_popup or cl.to_field or not links:
        return None
    model_admin = cl.model_admin
    empty = model_admin.get_empty_value_display()
    columns = [_column(model_admin, name, empty, name in links) for name in cl.list_display]
    if None in columns:
        return None
    url_of = _change_url(cl)
    rows = []
    for row in cl.result_list:
        cells = []
        first = True
        for column in columns:
            try:
                content, nowrap = column.cell(row)
                classes = column.classes + " nowrap" if nowrap else column.classes
            except ObjectDoesNotExist:  # a missing related object, as Django shows it
                content, classes = empty, f"field-{column.name}"
            # format_html's work, written out (it was a fifth of the rows' time): the classes are
            # identifiers, the content and the URL are escaped.
            content = escaped_unless_safe(content)
            if column.name in links:
                tag = "th" if first else "td"
                first = False
                if url_of is not None:
                    content = f'<a href="{escaped(url_of(row))}">{content}</a>'
                cells.append(SafeString(f'<{tag} class="{classes}">{content}</{tag}>'))
            else:
                cells.append(SafeString(f'<td class="{classes}">{content}</td>'))
        rows.append(ResultList(None, cells))
    return rows


def _capfirst_escaped(text) -> str:
    """``{{ text|capfirst }}`` as a template writes it: capitalised, escaped unless marked safe."""
    shown = str(text)
    shown = shown[:1].upper() + shown[1:]
    return shown if isinstance(text, SafeData) else escaped(shown)


def headers_html(headers: list[dict], num_sorted_fields: int) -> SafeString:
    """The results table's header cells, as change_list_results.html's loop writes them (its
    nine cells took ~0.7 ms of the case list through the template, issue 12)."""
    cells = []
    for header in headers:
        options = ""
        if header["sortable"] and header["sort_priority"] > 0:
            priority = ""
            if num_sorted_fields > 1:
                # {% blocktranslate %} escapes its variable (a number), not the sentence.
                title = gettext("Sorting priority: %(priority_number)s") % {"priority_number": header["sort_priority"]}
                priority = f'<span class="sortpriority" title="{title}">{header["sort_priority"]}</span>'
            direction = "ascending" if header["ascending"] else "descending"
            options = (f'\n       <div class="sortoptions">\n'
                       f'         <a class="sortremove" href="{escaped(header["url_remove"])}" '
                       f'title="{escaped(gettext("Remove from sorting"))}"></a>\n'
                       f'         {priority}\n'
                       f'         <a href="{escaped(header["url_toggle"])}" class="toggle {direction}" '
                       f'title="{escaped(gettext("Toggle sorting"))}"></a>\n'
                       f'       </div>\n   ')
        text = _capfirst_escaped(header["text"])
        label = (f'<a href="{escaped(header["url_primary"])}">{text}</a>' if header["sortable"]
                 else f"<span>{text}</span>")
        cells.append(f'\n<th scope="col"{escaped_unless_safe(header["class_attrib"])}>\n   {options}\n'
                     f'   <div class="text">{label}</div>\n   <div class="clear"></div>\n</th>')
    return SafeString("".join(cells))


def result_list(cl) -> dict:
    """The context of ``change_list_results.html``, as Django's ``result_list`` tag builds it, and
    ``headers_html`` and ``rows_html`` for ``precomputed_change_list_results.html``."""
    headers = list(result_headers(cl))
    num_sorted_fields = sum(1 for h in headers if h["sortable"] and h["sorted"])
    rows = precomputed_rows(cl)
    rows_html = None
    if rows is None:
        rows = list(results(cl))
    else:
        # The rows as change_list_results.html's loop writes them (planned rows have no form,
        # so no error line): precomputed_change_list_results.html writes this in place of the
        # loop, which cost ~15 µs a row.
        rows_html = SafeString("".join(f"\n\n<tr>{''.join(row)}</tr>\n" for row in rows))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "headers_html": headers_html(headers, num_sorted_fields),
        "num_sorted_fields": num_sorted_fields,
        "results": rows,
        "rows_html": rows_html,
    }


# Django's own admin/filter.html, which filter_html writes (a project's override is rendered instead).
_DJANGO_FILTER_TEMPLATE = (Path(django.contrib.admin.__file__).parent / "templates" / "admin" / "filter.html").resolve()
_SELECTED = ' class="selected"'


@functools.cache
def _filter_template_is_djangos(engine) -> bool:
    origin = engine.get_template("admin/filter.html").origin.name
    return Path(origin).resolve() == _DJANGO_FILTER_TEMPLATE


def filter_html(cl, spec) -> str:
    """One list filter, as Django's ``admin_list_filter`` renders it with admin/filter.html.

    The case list's five filters (~120 choices) took ~1.9 ms through the template, most of it
    its loop over the choices; written here they take ~1 ms, most of that Django's own
    ``spec.choices`` building each choice's query string.
    ``tests/policyops/test_admin_list_filters.py`` pins it to Django's output, byte for byte.
    A filter with a template of its own, or a project that overrides filter.html, is
    rendered by Django.
    """
    engine = Engine.get_default()
    if spec.template != "admin/filter.html" or not _filter_template_is_djangos(engine):
        return admin_list_filter(cl, spec)
    title = escaped_unless_safe(spec.title)
    heading = gettext(" By %(filter_title)s ") % {"filter_title": title}
    items = "".join(
        f'\n    <li{_SELECTED if choice["selected"] else ""}>\n'
        f'    <a href="{escaped(iri_to_uri(choice["query_string"]))}">'
        f'{escaped_unless_safe(choice["display"])}</a></li>\n  '
        for choice in spec.choices(cl))
    return SafeString(f'\n<details data-filter-title="{title}" open>\n  <summary>\n    {heading}\n  </summary>\n'
                      f'  <ul>\n  {items}\n  </ul>\n</details>\n')


# --- the action menu and the page's media ------------------------------------------------------

_REMEMBERED_LIMIT = 256  # distinct menus and media kept per process (a menu per admin, role and language)
_remembered_html: dict = {}


class RememberedRenderMixin:
    """For a widget whose HTML depends only on its name, value, attributes and choices: rendered
    through Django's form templates once per process and language, then reused.

    The action menu above the case list is the same on every load for users of one role, and
    its select and hidden input took ~0.35 ms a page through the form templates (issue 12).
    A value or attribute that cannot be a dictionary key is rendered by Django every time.
    """

    def render(self, name, value, attrs=None, renderer=None):
        choices = tuple((choice, str(label)) for choice, label in getattr(self, "choices", ()))
        key = (type(self), type(renderer), name, value, tuple(self.build_attrs(self.attrs, attrs).items()), choices,
               get_language())
        try:
            html = _remembered_html.get(key)
        except TypeError:  # unhashable
            return super().render(name, value, attrs, renderer)
        if html is None:
            html = super().render(name, value, attrs, renderer)
            if len(_remembered_html) >= _REMEMBERED_LIMIT:
                _remembered_html.clear()
            _remembered_html[key] = html
        return html


class RememberedMedia(forms.Media):
    """A page's scripts and style sheets (``{{ media.js }}``, ``{{ media.css }}``), merged and
    written once per process for each set of files, then reused.

    Django merges an admin's and its action form's lists and writes a tag per file on every
    load: ~0.35 ms of the case list (issue 12), for the same eight scripts each time. The
    files and the static URL they are written with stay put while a process runs.
    """

    def __init__(self, media: forms.Media):
        super().__init__()
        self._css_lists, self._js_lists = media._css_lists, media._js_lists

    def _files(self, name):
        if name == "css":
            return tuple(tuple((medium, tuple(files)) for medium, files in css.items()) for css in self._css_lists)
        return tuple(tuple(files) for files in self._js_lists)

    def _remembered(self, name, write):
        # Django's own merge needs the files hashable too.
        key = (RememberedMedia, name, *(self._files(part) for part in MEDIA_TYPES
                                        if name in (part, "all")))
        html = _remembered_html.get(key)
        if html is None:
            html = write()
            if len(_remembered_html) >= _REMEMBERED_LIMIT:
                _remembered_html.clear()
            _remembered_html[key] = html
        return html

    def __getitem__(self, name):
        if name not in MEDIA_TYPES:
            return super().__getitem__(name)  # Django's KeyError
        return self._remembered(name, lambda: super(RememberedMedia, self).__getitem__(name).render())

    def render(self):
        return self._remembered("all", super().render)


def remembered_media(response):
    """``response`` (an admin page not yet rendered) with its media written once per process."""
    context = getattr(response, "context_data", None)
    if context is not None and type(context.get("media")) is forms.Media:
        context["media"] = RememberedMedia(context["media"])
    return response


class RememberedSelect(RememberedRenderMixin, forms.Select):
    pass


class RememberedHiddenInput(RememberedRenderMixin, forms.HiddenInput):
    pass


class ActionForm(helpers.ActionForm):
    """Django's action form, its widgets rendered once per menu (``RememberedRenderMixin``)."""

    action = forms.ChoiceField(label=helpers.ActionForm.base_fields["action"].label, widget=RememberedSelect)
    select_across = forms.BooleanField(label="", required=False, initial=0,
                                       widget=RememberedHiddenInput({"class": "select-across"}))


# --- the page's rows, read with only the columns they show ---------------------------------------


@functools.cache
def _planned_changelist(base, columns: tuple | None):
    class PlannedChangeList(base):
        def _one_sort_column(self):
            # One column at a time: Django's admin keeps the previous column as the second sort
            # key (?o=-7.-6), and a million rows ordered by two columns match no index — the
            # case list "latest due first, then newest" read and sorted every case (0.4 s).
            # Ties are broken by the primary key, as Django adds it to any order.
            value = self.params.get(ORDER_VAR)
            if value and "." in value:
                self.params[ORDER_VAR] = value.partition(".")[0]

        def get_ordering(self, request, queryset):
            self._one_sort_column()
            return self.model_admin.list_ordering(request, super().get_ordering(request, queryset), queryset)

        def get_ordering_field_columns(self):
            self._one_sort_column()
            return super().get_ordering_field_columns()

        def get_ordering_field(self, field_name):
            # Django sorts by any column named in ?o= whatever sortable_by says; a column left out
            # (no index orders it) is not sorted by from a typed address either.
            if self.sortable_by is not None and field_name not in self.sortable_by:
                return None
            return super().get_ordering_field(field_name)

        def get_results(self, request):
            super().get_results(request)
            if columns is not None:
                # The page's rows only: the actions' and the export's querysets (get_queryset) read
                # whole rows, as the services that take them expect.
                self.result_list = self.result_list.only(*columns)
            # What only the page's rows need (counts of their related rows, say): the capped count
            # and the actions' querysets do not compute it.
            self.result_list = self.model_admin.page_rows(self.result_list)

    return PlannedChangeList


class PrecomputedResultListMixin:
    """Use on a ModelAdmin whose list must stay fast at a million rows (see the module's doc)."""

    change_list_template = "admin/precomputed_change_list.html"
    action_form = ActionForm
    # No "显示计数" (facet counts): each filter's every choice counted over the whole table,
    # 1.4 s on the case list at a million cases and over 16 minutes on a trail of two million
    # rows (a choice filter counts through a subquery per choice).
    show_facets = django.contrib.admin.ShowFacets.NEVER
    # Counted to 1,000 at most ("more than 1,000"), and never the whole table again for "N of M".
    paginator = CappedPaginator
    show_full_result_count = False
    # The columns the list's rows read, the joined relations' through "__" (QuerySet.only):
    # building 50 cases with every column and their relations took ~4 ms, half of it setting
    # columns no row shows. None reads whole rows. A column missing here costs a query a row,
    # which the list's query-count tests catch.
    list_columns = None
    # Each such admin names the columns an index orders (sortable_by): sorting a million rows by any
    # other column reads and sorts them all (tests/policyops/test_admin_result_list.py checks).
    sortable_by = ()

    def changelist_view(self, request, extra_context=None):
        return remembered_media(super().changelist_view(request, extra_context))

    def get_changelist(self, request, **kwargs):
        columns = None if self.list_columns is None else tuple(self.list_columns)
        return _planned_changelist(super().get_changelist(request, **kwargs), columns)

    def page_rows(self, rows):
        """The page's rows (a sliced queryset) as the list shows them; override to annotate them."""
        return rows

    def list_ordering(self, request, ordering: list, queryset) -> list:
        """The order the changelist asks for (Django's, the primary key last); override to say how
        the database should reach it (search_indexes.ordered_apart for a search's few matches).
        ``queryset``: the list's rows after its filters, before its search (Django orders first)."""
        return ordering


# --- searches through small related tables ------------------------------------------------------


class RelatedFirstSearchMixin:
    """A list's search through a relation to a small table (a shift's director or hall, an
    attempt's user) finds that table's matching rows first, then filters the list by their ids.

    Django writes each search field as ``icontains`` over the joined tables, OR'd: no index
    serves such an OR, so every search, even one matching nothing, joined and read every row
    in view (a supervisor's shift list: 45-54 ms for any term at a year of a 1,000-director
    hall; issue 12). Here the directors, halls or users whose name holds the term are a short
    query each, and the list asks ``director__in`` / ``hall__in``: no join.

    ``search_relations_first`` names the relations (paths from the model) whose rows are few;
    a search field through one of them (``director__person__name``) is looked up there, any
    other field (``reason``) as Django does. Terms are split and AND-ed as Django splits them.
    """

    search_relations_first: tuple[str, ...] = ()

    def _relation_of(self, field_name: str):
        for path in self.search_relations_first:
            if field_name.startswith(f"{path}{LOOKUP_SEP}"):
                return path, field_name[len(path) + len(LOOKUP_SEP):]
        return None, field_name

    def get_search_results(self, request, queryset, search_term):
        fields = self.get_search_fields(request)
        # No guard for an empty term or no fields: a term with no words filters nothing, and words
        # with no fields filter by Q(), so both end in Django's own answer to "" below.
        found_ids: dict = {}
        for word in _search_words(search_term):
            matches = models.Q()
            for field_name in fields:
                path, rest = self._relation_of(field_name)
                if path is None:
                    matches |= models.Q(**{f"{field_name}__icontains": word})
                    continue
                related = model_at(self.model, path)
                key = (related, rest, word)
                if key not in found_ids:
                    # The pragma: one-tuples would do as well (a related __in takes each tuple's first value).
                    found_ids[key] = list(related._base_manager.filter(**{f"{rest}__icontains": word})
                                          .values_list("pk", flat=True))  # pragma: no mutate
                matches |= models.Q(**{f"{path}__in": found_ids[key]})
            queryset = queryset.filter(matches)
        # Rows of the list's own queryset: the admin's scoping leaves them as they are.
        return super().get_search_results(request, queryset, "")


def _search_words(search_term: str) -> list[str]:
    """The words of a search, as Django's admin splits them (quoted phrases kept whole)."""
    words = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            words.append(bit)
    return words
