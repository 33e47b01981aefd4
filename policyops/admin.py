"""Admin for the shared tables: organisations, calendar, ledgers, audit."""
import datetime as dt

from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policyops import admin_beat, admin_users, calendar, indicators, resources, services  # noqa: F401  (re-register auth.User and PeriodicTask)
from policyops.actions import BULK_ACTIONS
from policyops.admin_base import (
    HistoryAdmin,
    LabelledTabularInline,
    ReadOnlyAdminMixin,
    UniqueRowsInlineFormSet,
    audit_trail_html,
)
from policyops.admin_import import ImportExportMixin
from policyops.admin_list import PrecomputedResultListMixin
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.admin_workflow import WorkflowAdminMixin, workflow_bulk_action
from policyops.formatting import whole_percent
from policyops.forms import OfficialCalendarImportForm
from policyops.models import (
    AuditEntry,
    CalendarOverride,
    Department,
    District,
    Indicator,
    IndicatorReading,
    OfficialCalendarYear,
    Person,
    PolicyDocument,
    PolicyTask,
    ServiceHall,
)
from policyops.pagination import COUNT_CAP
from policyops.search_indexes import (
    SHORT_TERM,
    contains_through,
    matches_lie_further_back,
    narrowed_to_ids,
    narrowing_part,
    ordered_apart,
    short_grams_usable,
    short_term_contains,
    unindexed_contains,
)
from policyops.timeline import action_label as audit_action_label
from policyops.timeline import known_actions as known_audit_actions
from policyops.timeline import reason_label as audit_reason_label
from policyops.timeline import state_label as audit_state_label

admin.site.site_header = gettext_lazy("PolicyOps administration")
admin.site.site_title = gettext_lazy("PolicyOps")
admin.site.index_title = gettext_lazy("Work and supervision")
admin.site.index_template = "admin/policyops_index.html"


def calendar_warning_years(today: dt.date) -> list[int]:
    """Years a supervisor should enter the official calendar for: this one and the next."""
    return calendar.years_missing_official_calendar([today.year, today.year + 1])


# How many moved deadlines the import's message names (the rest are counted).
MOVED_SHOWN = 50


@admin.register(District)
class DistrictAdmin(ImportExportMixin, HistoryAdmin):
    resource_classes = [resources.DistrictResource]
    list_display = ("name", "position", "source")
    search_fields = ("name",)


@admin.register(Department)
class DepartmentAdmin(DistrictScopedAdminMixin, ImportExportMixin, HistoryAdmin):
    resource_classes = [resources.DepartmentResource]
    list_display = ("name", "district", "kind", "source")
    list_filter = ("kind", "district")
    search_fields = ("name",)
    list_select_related = ("district",)


@admin.register(ServiceHall)
class ServiceHallAdmin(DistrictScopedAdminMixin, ImportExportMixin, HistoryAdmin):
    resource_classes = [resources.ServiceHallResource]
    list_display = ("name", "kind", "district", "parent")
    list_filter = ("kind", "district")
    search_fields = ("name",)
    list_select_related = ("district", "parent")


@admin.register(Person)
class PersonAdmin(DistrictScopedAdminMixin, HistoryAdmin):
    list_display = ("name", "title", "department", "district", "user")
    list_filter = ("district", "department__kind")
    search_fields = ("name", "user__username", "department__name")
    list_select_related = ("department", "district", "user")
    autocomplete_fields = ("department", "user")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(ImportExportMixin, HistoryAdmin):
    resource_classes = [resources.CalendarOverrideResource]
    list_display = ("date", "is_working_day", "name", "official", "note")
    list_filter = ("is_working_day", "official")
    date_hierarchy = "date"
    search_fields = ("name", "note")
    change_list_template = "admin/policyops/calendaroverride/change_list.html"

    def get_urls(self):
        return [
            path("import-official-year/", self.admin_site.admin_view(self.import_official_year_view),
                 name="policyops_calendaroverride_import_official_year"),
            *super().get_urls(),
        ]

    # Every write of an override goes through the calendar services (cache + recompute).

    def save_model(self, request, obj, form, change):
        previous = form.initial.get("date") if change else None
        services.calendar_override_save(override=obj, previous_date=previous)

    def delete_model(self, request, obj):
        services.calendar_overrides_delete(overrides=[obj])

    def delete_queryset(self, request, queryset):
        services.calendar_overrides_delete(overrides=queryset)

    def import_official_year_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = OfficialCalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            report = services.calendar_import_official_file(
                year=form.cleaned_data["year"], file=upload, filename=upload.name,
                notice=form.cleaned_data["notice"], acting_user=request.user)
            if report.ok:
                messages.success(request, _("The official calendar of %(year)s has been imported (%(count)s dates); "
                                            "open deadlines were recomputed.")
                                 % {"year": form.cleaned_data["year"], "count": len(report.rows())})
                if report.moved:  # the deadlines that were provisional and have moved now
                    more = "…" if len(report.moved) > MOVED_SHOWN else ""
                    items = "、".join(report.moved[:MOVED_SHOWN]) + more
                    messages.warning(request, _("Deadlines moved (%(count)s): %(items)s")
                                     % {"count": len(report.moved), "items": items})
                return redirect("admin:policyops_calendaroverride_changelist")
            for problem in report.problems:
                form.add_error("file", str(problem))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": _("Import a year's official calendar")}
        return TemplateResponse(request, "admin/policyops/calendaroverride/import_official_year.html", context)


@admin.register(OfficialCalendarYear)
class OfficialCalendarYearAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Read-only: a year is marked official only by importing its notice (日历调整 → 导入年度官方日历),
    which writes its dates, recomputes the deadlines they move and names who imported it. Added,
    changed or deleted here, the mark made a year count as official with none of its holidays
    and moved no deadline, and anyone could be named as its importer (a select of every account)."""

    list_display = ("year", "notice", "imported_at", "imported_by")
    list_select_related = ("imported_by",)


class IndicatorFormSet(UniqueRowsInlineFormSet):
    # indicator_unique_name and indicator_unique_name_per_district: one target per name, district and year.
    distinct_fields = ("name", "district", "target_year")


class IndicatorInline(LabelledTabularInline):
    model = Indicator
    formset = IndicatorFormSet
    extra = 0
    fields = ("name", "unit", "baseline_year", "baseline_value", "target_year", "comparator", "target_value",
              "attribute")

    def get_queryset(self, request):
        # Each row is labelled with str(indicator), which names a district's own target's district.
        return super().get_queryset(request).select_related("district")


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ImportExportMixin, HistoryAdmin):
    resource_classes = [resources.PolicyDocumentResource]
    list_display = ("title", "number", "issuer", "issued_on", "effective_on")
    search_fields = ("title", "number", "issuer")
    inlines = [IndicatorInline]


def progress_bar(share):
    percent = whole_percent(share)
    if percent is None:
        return "—"
    return format_html('<progress max="100" value="{}" title="{}%"></progress> {}%', percent, percent, percent)


@admin.register(Indicator)
class IndicatorAdmin(ImportExportMixin, HistoryAdmin):
    resource_classes = [resources.IndicatorResource]
    list_display = ("name", "document", "baseline", "target", "attribute", "latest", "progress")
    list_filter = ("document", "attribute", "comparator", "target_year")
    search_fields = ("name",)
    # The district too: each row's checkbox is labelled with str(indicator), which names a
    # district's own target's district (a query a row: 44 statements for 96 indicators).
    list_select_related = ("document", "district")

    def get_queryset(self, request):
        return super().get_queryset(request).with_latest_reading()

    @admin.display(description=gettext_lazy("baseline"))
    def baseline(self, obj):
        if obj.baseline_value is None:
            return "—"
        return f"{obj.baseline_value.normalize():f} ({obj.baseline_year})"

    @admin.display(description=gettext_lazy("target"))
    def target(self, obj):
        return f"{obj.target_display} ({obj.target_year})"

    @admin.display(description=gettext_lazy("latest reading"))
    def latest(self, obj):
        return "—" if obj.latest_value is None else f"{obj.latest_value.normalize():f} ({obj.latest_period_end})"

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj):
        return progress_bar(indicators.indicator_progress(obj, obj.latest_value))


@admin.register(IndicatorReading)
class IndicatorReadingAdmin(ImportExportMixin, HistoryAdmin):
    resource_classes = [resources.IndicatorReadingResource]
    list_display = ("indicator", "period_end", "value", "source", "entered_by")
    list_filter = ("indicator__document",)
    search_fields = ("indicator__name", "source")
    list_select_related = ("indicator", "entered_by")
    autocomplete_fields = ("indicator",)
    exclude = ("entered_by",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PolicyTask)
class PolicyTaskAdmin(WorkflowAdminMixin, DistrictScopedAdminMixin, ImportExportMixin, HistoryAdmin):
    """Task items. The state moves only by the next-step buttons (policyops.actions), each
    through its form page, or by the bulk actions of the steps without input."""

    resource_classes = [resources.PolicyTaskResource]
    list_display = ("__str__", "short_text", "lead_unit", "deadline", "state", "overdue")
    list_filter = ("state", "document", "lead_unit")
    search_fields = ("text", "number", "lead_unit__name")
    list_select_related = ("document", "lead_unit")
    filter_horizontal = ("cooperating_units",)
    # The report and the reason are the inputs of their steps (submit, return), never edited here.
    readonly_fields = ("state", "progress_report", "return_reason", "audit_trail")
    actions = [workflow_bulk_action(name, label) for name, label in BULK_ACTIONS.items()]

    def workflow_head(self, request, obj):
        return [(PolicyTask._meta.get_field("text").verbose_name, obj.text),
                (PolicyTask._meta.get_field("lead_unit").verbose_name, obj.lead_unit),
                (PolicyTask._meta.get_field("deadline").verbose_name, obj.deadline or "—"),
                (PolicyTask._meta.get_field("state").verbose_name, obj.get_state_display())]

    @admin.display(description=gettext_lazy("task"))
    def short_text(self, obj):
        return obj.text[:40] + ("…" if len(obj.text) > 40 else "")

    @admin.display(description=gettext_lazy("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue(timezone.localdate())

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj)


class AuditActionFilter(admin.SimpleListFilter):
    title = gettext_lazy("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return known_audit_actions()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditedObjectTypeFilter(admin.RelatedFieldListFilter):
    """The trail's object types without simple-history's record tables ("historical …"): the trail names
    the objects, never their history rows, and those types only doubled the list."""

    def field_choices(self, field, request, model_admin):
        return field.get_choices(include_blank=False, ordering=self.field_admin_ordering(field, request, model_admin),
                                 limit_choices_to=~Q(model__startswith="historical"))


@admin.register(AuditEntry)
class AuditEntryAdmin(PrecomputedResultListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the trail is written by services and never edited. Its rows are written by
    policyops.admin_list (the trail is the fastest-growing table; issue 12)."""

    list_display = ("at", "actor", "action_label", "object_repr", "from_state_label", "to_state_label",
                    "reason_label")
    # Neither filter reads the trail, which grows by millions of rows a year: Django's
    # date_hierarchy and a filter on the action's values both ask for DISTINCT over the whole
    # table on every load (issue 12); the actions come from the code, the dates as ranges.
    list_filter = (AuditActionFilter, ("at", admin.DateFieldListFilter), ("content_type", AuditedObjectTypeFilter))
    # Trigram-indexed on PostgreSQL (policyops.search_indexes); the actor's user name is
    # searched apart (get_search_results), not through a join, so the indexes serve the OR.
    search_fields = ("object_repr", "reason")
    list_select_related = ("actor", "content_type")
    # By time only, the order its index gives: sorted by actor, action or object, two million rows
    # were read and sorted (1.5 s); the filters and the search find those rows instead.
    sortable_by = ("at",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        # The ids first (a short query on the users): as a subquery inside the OR, PostgreSQL
        # could not combine the indexes and read the whole trail (1.3 s at 2 M rows).
        # The pragma: one-tuples would do as well (a related __in takes each tuple's first value).
        actors = (list(get_user_model().objects.filter(username__icontains=term)
                       .values_list("pk", flat=True))  # pragma: no mutate
                  if term else [])
        part = narrowing_part(term) if connection.vendor == "postgresql" else None
        if part is not None:
            # A whole case number through its serial (search_indexes.contains_through): its
            # other trigrams are in nearly every row (a page 77 → 15 ms at 2 M rows).
            found = self.rows_holding(actors, lambda field: contains_through(field, term, part))
            return queryset.filter(found), False
        if short_grams_usable(connection, term):
            # One or two characters hold no trigram: the rows by the indexes of short pieces
            # (policyops.search_indexes; 张伟 read the whole trail, 0.85 s at 2 M rows).
            found = narrowed_to_ids(
                queryset, self.rows_holding(actors, lambda field: short_term_contains(field, term)), COUNT_CAP)
            if found is not None:
                return found, False
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if actors:
            found = found | queryset.filter(actor__in=actors)
        return found, may_have_duplicates

    def list_ordering(self, request, ordering, queryset):
        if ordering[0] == "-at" and self.search_matches_lie_further_back(request, queryset):
            return ordered_apart(ordering)  # the search's matches read whole and sorted
        return ordering

    def search_matches_lie_further_back(self, request, queryset) -> bool:
        """Whether the newest rows hold no page of the search's matches (search_indexes.
        matches_lie_further_back): walking the trail newest first read all of it for a year's
        numbers (PD-2019: 0.73 s a page at two million rows). For one word of three characters
        or more on PostgreSQL; a whole case number's few rows (get_search_results) are sorted
        by the planner itself."""
        term = request.GET.get(SEARCH_VAR, "").strip()
        if (connection.vendor != "postgresql" or len(term) <= SHORT_TERM or len(term.split()) != 1
                or narrowing_part(term) is not None):
            return False
        # Read along the time index over the newest rows only: no search index, and the users
        # in a subquery, not asked apart.
        searched = self.rows_holding(get_user_model().objects.filter(username__icontains=term).values("pk"),
                                     lambda field: unindexed_contains(field, term))
        return matches_lie_further_back(queryset, searched, newest_first="at", page=self.list_per_page)

    def rows_holding(self, actors, contains) -> Q:
        """The search's rows: the ``actors``' (their ids, or a subquery of them), or those with a
        searched column holding the term as ``contains(column)`` asks it of the database."""
        found = Q(actor__in=actors)
        for field in self.search_fields:
            found |= contains(field)
        return found

    # Codes as read (policyops.timeline): the workflow's labels and the states' choices.

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_label(self, obj):
        return audit_action_label(obj.content_type.model_class() or AuditEntry, obj.action)

    @admin.display(description=gettext_lazy("from state"))
    def from_state_label(self, obj):
        return audit_state_label(obj.content_type.model_class() or AuditEntry, obj.from_state)

    @admin.display(description=gettext_lazy("to state"))
    def to_state_label(self, obj):
        return audit_state_label(obj.content_type.model_class() or AuditEntry, obj.to_state)

    # A row of the list shows this much of its reason; the entry's own page shows all of it (a
    # role's change lists every permission it has afterwards: a 600 px row otherwise).
    REASON_IN_LIST = 160

    @admin.display(description=gettext_lazy("reason"))
    def reason_label(self, obj):
        reason = audit_reason_label(obj.content_type.model_class() or AuditEntry, obj.action, obj.reason)
        return Truncator(reason).chars(self.REASON_IN_LIST)

