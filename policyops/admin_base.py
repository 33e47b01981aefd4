"""What every PolicyOps ModelAdmin shares: history without reverts, the audit trail, actions
within a row limit."""
import functools
import json
import logging

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, AdminForm
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, prefetch_related_objects
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from policyops import audit
from policyops.formatting import EMPTY, escaped
from policyops.forms import key_of
from policyops.pagination import capped_count
from policyops.timeline import timeline_html

logger = logging.getLogger(__name__)


def tracks_history(model) -> bool:
    """Whether simple-history keeps records of ``model`` (``history = HistoricalRecords()``)."""
    return hasattr(model._meta, "simple_history_manager_attribute")


def change_message_text(message) -> str:
    """The reason of an ``admin_add``/``admin_change`` row: the admin's change message as the admin's
    own history says it, in the user's language like every other reason (已修改备注。). Django builds
    the message with translation off (English field names) and translates it only when it shows a
    LogEntry; an audit row keeps text, so it is translated as it is written."""
    if not isinstance(message, list):
        return str(message or "")
    labelled = [{kind: {**detail, "fields": [_field_label(name) for name in detail["fields"]]}
                 if isinstance(detail, dict) and "fields" in detail else detail
                 for kind, detail in item.items()} for item in message]
    return LogEntry(change_message=json.dumps(labelled)).get_change_message()


def _field_label(label: str) -> str:
    """A field's label in the message, translated. Django wrote it as capfirst(verbose_name) in
    English ("Groups"), and its own catalogue knows "groups": the label is looked up as written,
    then with its first letter lowered."""
    translated = _(label)
    lowered = label[:1].lower() + label[1:]
    if translated == label and lowered != label and _(lowered) != lowered:
        return capfirst(_(lowered))
    return translated


class ListCheckboxMixin:
    """The list's selection checkbox written directly, as Django's CheckboxInput renders it.

    Django renders it through the form template engine, once per row: a sixth of the
    case list's time at 50 rows (issue 12).
    """

    def action_checkbox(self, obj):
        return self.action_checkbox_writer()(obj)

    @staticmethod
    def action_checkbox_writer():
        """row -> its checkbox, the label translated once: policyops.admin_list asks for one per page."""
        label = _("Select this object for an action - {}")

        def write(obj):
            # format_html's result, written out: the label is the translation's own text, the
            # key and the object's name are escaped (two format_html calls a row cost more).
            return mark_safe(f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{escaped(obj.pk)}" '
                             f'class="action-select" aria-label="{label.format(escaped(obj))}">')

        return write


# Rows one admin action takes at a time. A page of a list holds at most 100; more are chosen with
# "select all", and an action's confirmation page (assigning a handler, revoking) posts every
# chosen id back, which Django refuses past DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields: 500
# leaves room for the form's own. Unbounded, "select all" on a million cases read every one into
# the web worker (80,000 of Pingdu's took 4.3 s, 510 MB and a 6.7 MB page; issue 12).
ACTION_MAX_ROWS = 500
# The rows an inline builds at most, whatever the posted TOTAL_FORMS says: a page posting more
# rows of two fields or more would pass DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000), which Django refuses.
INLINE_MAX_ROWS = 500


def within_action_limit(action):
    """``action`` (a changelist action) refusing, with a message, a selection of more than
    ACTION_MAX_ROWS rows; counted no further than one row past it."""

    @functools.wraps(action)  # keeps allowed_permissions and short_description
    def run(modeladmin, request, queryset):
        if capped_count(queryset, ACTION_MAX_ROWS) > ACTION_MAX_ROWS:
            modeladmin.message_user(request, _(
                "An action takes at most %(limit)s rows at a time, and more are selected. Narrow the "
                "list with its filters or its search, then select again.") % {"limit": ACTION_MAX_ROWS},
                messages.ERROR)
            return None
        return action(modeladmin, request, queryset)

    run.within_action_limit = True
    return run


class ActionRowLimitMixin:
    """Every changelist action, Django's delete included, within ACTION_MAX_ROWS rows, on rows
    the posted keys can name."""

    def get_actions(self, request):
        return {name: (within_action_limit(func), name, description)
                for name, (func, _name, description) in super().get_actions(request).items()}

    def response_action(self, request, queryset):
        # Django filters the rows by the posted keys as they come: text that is no key (a page
        # never posts one) raised a 500 in every action of every admin (round 23's crawl).
        if any(key_of(self.model, key) is None for key in request.POST.getlist(ACTION_CHECKBOX_NAME)):
            self.message_user(request, _("The rows chosen could not be read; choose them again."), messages.ERROR)
            return None
        return super().response_action(request, queryset)


class DateHierarchyBoundsMixin:
    """A list's date hierarchy (``?date__year=``) read only for years whose next year a date can
    hold. Django turns a month or day out of range into its "wrong parameters" page, but not a
    year past 9998: ``datetime`` raised OverflowError for a 20-digit year, and 9999 failed
    moving on to the year after (a 500, found by fuzzing the lists' parameters)."""

    def get_changelist_instance(self, request):
        year = request.GET.get(f"{self.date_hierarchy}__year") if self.date_hierarchy else None
        try:
            out_of_range = year is not None and not 1 <= int(year) <= 9998
        except ValueError:
            # Not a number: Django's own check answers it (its int() of the year refuses the same text).
            out_of_range = False  # pragma: no mutate — True raises the same IncorrectLookupParameters
        if out_of_range:
            raise IncorrectLookupParameters(year)
        return super().get_changelist_instance(request)


class ReadableAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete select, shown again with only the posted values that can name a row:
    Django filters the related rows by them as they come, and a refused form posted with text
    that is no key (``abc``) raised ValueError while it was shown again (the admin crawl)."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        if getattr(remote, "field_name", None) not in (None, remote.model._meta.pk.name):
            return super().optgroups(name, value, attr)
        return super().optgroups(name, [v for v in value if key_of(remote.model, v) is not None], attr)


class SaveRefusedForm:
    """Mixed into an admin's form shown again after the database refused its save twice
    (``AuditedAdminMixin.changeform_view``): invalid, so nothing is saved, and it says why."""

    def clean(self):
        super().clean()
        raise ValidationError(_("Nothing was saved: the database refused the change, probably because another "
                                "user changed the same record just now. Check it and save again."))


class AuditedAdminMixin(ActionRowLimitMixin, DateHierarchyBoundsMixin, ListCheckboxMixin):
    """Every add, change and delete made through the admin leaves an audit row, in the admin's
    transaction: ``admin_add``, ``admin_change`` (reason: the change message, as the history says
    it), ``admin_delete``.

    The rows are written where Django logs the admin's own history (log_addition, log_change,
    log_deletions), which every save path calls: the change form, list_editable and the
    delete page and action. A change or deletion a service made for the admin may have its
    own row besides; an addition a service audited gets no second one.

    Every admin that can add, change or delete is one of these (a test walks the admin site):
    the accounts, roles, schedules and login lockouts too, not only the policy data.
    """

    def get_formsets_with_inlines(self, request, obj=None):
        # Django builds as many rows as the posted TOTAL_FORMS says, up to max_num + 1,000: a
        # policy document's page posted with 10**9 built and showed 2,000 indicator rows (16 s).
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            formset.absolute_max = min(formset.absolute_max, INLINE_MAX_ROWS)
            yield formset, inline

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            if request.method != "POST":
                raise
            # Another user saved a clashing row between this form's checks and its save (checks
            # cannot see an uncommitted row): nothing of this save was kept (Django's atomic). The
            # form is checked again, now against the committed row, and says which field clashes.
            logger.info("admin save of %s met a concurrent row; checking the form again", self.opts.label)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            logger.warning("admin save of %s refused by the database twice", self.opts.label, exc_info=True)
        # Refused twice: the form again, as typed, with the refusal as its error (get_form); not saved.
        request._policyops_save_refused = True
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if getattr(request, "_policyops_save_refused", False):
            return type(form.__name__, (SaveRefusedForm, form), {})
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ReadableAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def audit_reason(self, obj, message) -> str:
        """The reason of an ``admin_add``/``admin_change`` row; an admin may say more of ``obj``."""
        return change_message_text(message)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        # An addition made through a service (case registration, an adjustment request) has its row already.
        if not audit.entries_for(obj).exists():
            audit.record(obj=obj, action="admin_add", actor=request.user, reason=self.audit_reason(obj, message))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        audit.record(obj=obj, action="admin_change", actor=request.user, reason=self.audit_reason(obj, message))
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            audit.record(obj=obj, action="admin_delete", actor=request.user)
        return entries

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            # Django's action logs the deletions, then deletes, outside a transaction: a delete
            # that fails would leave the rows claiming it happened. Both commit together here.
            func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (transaction.atomic(func), name, description)
        return actions


def audited(admin_class, **attrs):
    """``admin_class`` (a third-party app's admin) with the audit trail of AuditedAdminMixin."""
    return type(admin_class.__name__, (AuditedAdminMixin, admin_class), {"__module__": __name__, **attrs})


class HistoryAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    """simple-history's admin with reverts refused and history scoped like the change page.

    A revert would write states and fields directly, around the services and their
    audit. SIMPLE_HISTORY_REVERT_DISABLED only hides the button; the POST is refused here.

    simple-history looks the object and its records up through the model's manager (and
    falls back to the last historical record when ``get_queryset`` does not hold the
    object), so a scoped admin would show other districts' history. Here both history
    pages answer 404 unless ``self.get_queryset(request)`` holds the object, and a
    historical record is shown only when it is a record of that object.

    A model without simple-history (no ``history`` field) gets Django's own history page
    (the admin log) instead of a 500.
    """

    # simple-history's list of records with a dash for no reason and no inline style (see the template).
    object_history_list_template = "admin/policyops/object_history_list.html"
    object_history_form_template = "admin/policyops/object_history_form.html"
    # The relations the records' labels (str of the object) name, read for the page at once;
    # None: the list's (list_select_related), for an admin whose list reads them otherwise.
    history_select_related = None

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return ChoiceLabelContextHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        label_history_objects(historical_records, self.history_select_related or self.list_select_related)

    def get_urls(self):
        if not tracks_history(self.model):
            return super(SimpleHistoryAdmin, self).get_urls()  # no historical record to show one of
        return super().get_urls()

    def _visible_object(self, request, object_id):
        """The object if this admin's (scoped) queryset holds it; otherwise 404."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        obj = self._visible_object(request, object_id)
        if not tracks_history(self.model):
            return super(SimpleHistoryAdmin, self).history_view(request, object_id, extra_context)
        return super().history_view(request, str(obj.pk), extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        if not tracks_history(self.model):
            raise Http404
        obj = self._visible_object(request, object_id)
        records = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        try:
            belongs = records.filter(**{self.model._meta.pk.attname: obj.pk}, history_id=version_id).exists()
        except (ValueError, ValidationError):
            belongs = False
        if not belongs:
            raise Http404
        return super().history_form_view(request, str(obj.pk), version_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        if "adminform" in context:  # a record's page (history_form_view), not the list of records
            context["adminform"] = _every_field_read_only(context["adminform"], self)
        return super().render_history_view(request, template, context, **kwargs)


def _every_field_read_only(shown: AdminForm, model_admin) -> AdminForm:
    """A historical record's form as text: no inputs, so none of the related rows' edit, add and
    delete links either (reverts are refused: nothing there can be saved)."""
    return AdminForm(shown.form, shown.fieldsets, {}, flatten_fieldsets(shown.fieldsets), model_admin=model_admin)


class ChoiceLabelContextHelper(HistoricalRecordContextHelper):
    """A change of a field with choices reads as its labels (状态：已签订 → 已备案), not its codes
    (signed → filed), as every other page shows a state."""

    def prepare_delta_change_value(self, change, value):
        if isinstance(value, DeletedObject):
            # simple-history's stand-in for a related row it cannot read, also for a key that was
            # empty: "Deleted 大厅值班局长 (pk=None)" in English.
            if value.pk is None:
                return EMPTY
            return _("%(model)s no. %(key)s (deleted)") % {"model": value.model._meta.verbose_name, "key": value.pk}
        if value is None:
            return EMPTY
        labels = dict(self.model._meta.get_field(change.field).flatchoices)
        if labels and value in labels:
            return labels[value]
        return super().prepare_delta_change_value(change, value)


def label_history_objects(records, related) -> None:
    """Each record's ``history_object`` built once, with the relations its label names read
    for the page at once.

    The history page labels every record with ``str(record.history_object)``, an object
    simple-history builds anew on each access, so a ``__str__`` naming a related object
    cost a query a record (an entrustment's ten records: ten reads of its agency). The
    relations are the admin's ``list_select_related``: the change list labels each row's
    checkbox with ``str(obj)`` too, and tests/policyops/test_admin_lists_per_row_queries.py
    holds every list to it.
    """
    objects = []
    for record in records:
        # The descriptor builds a new object on each access; the instance attribute shadows it.
        record.history_object = record.history_object
        objects.append(record.history_object)
    if objects and isinstance(related, (list, tuple)) and related:
        prefetch_related_objects(objects, *related)


class ReadOnlyAdminMixin:
    """For records only services write (logs, trails, snapshots): nothing added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def audit_trail_html(obj, css_class: str = "audit-trail"):
    """The object's audit entries (time, actor, action, state change, reason) as a table with headers,
    in local time and with labels (policyops.timeline)."""
    return timeline_html(obj, css_class)


class LabelledInlineFormSet(BaseInlineFormSet):
    """An inline whose inputs and errors name their columns as the page heads them.

    A tabular inline draws each column's name once, in its header: an input in a row had no
    name of its own, and a screen reader reaching it said only "edit text" (axe: label,
    select-name). Each input carries its column's name (aria-label) now. And the error for two
    rows with the same values names the columns, where Django names them by attribute
    (请修改name的重复数据)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)  # DELETE and ORDER included: they are columns too
        for name, field in form.fields.items():
            if not field.widget.is_hidden:  # each form has its own copies of the fields and widgets
                field.widget.attrs.setdefault("aria-label", form[name].label)

    def get_unique_error_message(self, unique_check):
        return super().get_unique_error_message([self._label(name) for name in unique_check if name != self.fk.name])

    def _label(self, name: str) -> str:
        field = self.form.base_fields.get(name)
        return str(field.label if field is not None and field.label else self.model._meta.get_field(name).verbose_name)


class UniqueRowsInlineFormSet(LabelledInlineFormSet):
    """An inline whose rows must differ in ``distinct_fields`` (a unique constraint of its model
    among the parent's rows; ``None`` counts as a value, as a partial constraint on "district is
    null" counts city-wide rows), checked as Django saves them: one at a time, the shown rows in
    order (deleted or changed), then the new ones. A row meeting another's values — a duplicate,
    or values another row gives up only later in the same save — is that row's error, where the
    database refused it with a 500: Django's own check skips partial constraints and fields
    left out of the form, and compares the rows' new values only with each other."""

    distinct_fields: tuple[str, ...] = ()  # not unique_fields: BaseInlineFormSet sets that to the key to its parent

    def clean(self):
        super().clean()
        if not self.distinct_fields or any(self.errors):
            return
        held = {}
        if self.instance.pk is not None:  # a parent being added has no rows yet (and cannot be filtered on)
            parents_rows = self.model._default_manager.filter(**{self.fk.name: self.instance})
            held = {pk: tuple(values) for pk, *values in parents_rows.values_list("pk", *self.distinct_fields)}
        planned = [(form, self._values(form)) for form in self._saved_forms()]
        final = {**held, **{form.instance.pk or id(form): values for form, values in planned if values is not None}}
        for form, values in planned:
            key = form.instance.pk or id(form)
            if values is None:  # deleted
                held.pop(key, None)
                continue
            other = next((pk for pk, held_values in held.items() if pk != key and held_values == values), None)
            if other is not None:
                form.add_error(None, _("Another row has the same values.") if final.get(other) == values else _(
                    "This row takes values another row gives up in the same save: save the two changes one at "
                    "a time."))
            held[key] = values

    def _saved_forms(self):
        for form in self.initial_forms:
            if self.can_delete and self._should_delete_form(form) or form.has_changed():
                yield form
        yield from (form for form in self.extra_forms if form.has_changed() and not (
            self.can_delete and self._should_delete_form(form)))

    def _values(self, form) -> tuple | None:
        """The row's values as it will be saved, or None for a row to delete."""
        if self.can_delete and self._should_delete_form(form):
            return None
        values = (form.cleaned_data[name] if name in form.cleaned_data else getattr(form.instance, name)
                  for name in self.distinct_fields)
        return tuple(value.pk if isinstance(value, Model) else value for value in values)


class LabelledTabularInline(admin.TabularInline):
    """Every tabular inline of ours: its rows' inputs named after their columns (LabelledInlineFormSet)."""

    formset = LabelledInlineFormSet
