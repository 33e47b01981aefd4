"""Admin for the shared tables: organisations, calendar, ledgers, audit."""
import datetime as dt

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportMixin

from policyops import calendar, indicators, resources, services
from policyops.admin_base import HistoryAdmin, ReadOnlyAdminMixin, audit_trail_html
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.errors import PolicyOpsError
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

admin.site.site_header = gettext_lazy("PolicyOps administration")
admin.site.site_title = gettext_lazy("PolicyOps")
admin.site.index_title = gettext_lazy("Work and supervision")
admin.site.index_template = "admin/policyops_index.html"


def calendar_warning_years(today: dt.date) -> list[int]:
    """Years a supervisor should enter the official calendar for: this one and the next."""
    return calendar.years_missing_official_calendar([today.year, today.year + 1])


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

    def changelist_view(self, request, extra_context=None):
        for year in calendar_warning_years(timezone.localdate()):
            messages.warning(request, _(
                "The official calendar of %(year)s has not been entered: its deadlines count Monday to "
                "Friday only. Import the State Council's notice for %(year)s.") % {"year": year})
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        old_date = form.initial.get("date") if change else None
        super().save_model(request, obj, form, change)
        services.calendar_changed_commit({d for d in (obj.date, old_date) if d})

    def delete_model(self, request, obj):
        day = obj.date
        super().delete_model(request, obj)
        services.calendar_changed_commit({day})

    def delete_queryset(self, request, queryset):
        days = set(queryset.values_list("date", flat=True))
        super().delete_queryset(request, queryset)
        services.calendar_changed_commit(days)

    def import_official_year_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = OfficialCalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                rows = services.parse_official_calendar(form.cleaned_data["file"].read(),
                                                        year=form.cleaned_data["year"])
                services.calendar_import_official_year(year=form.cleaned_data["year"], rows=rows,
                                                       notice=form.cleaned_data["notice"],
                                                       acting_user=request.user)
            except PolicyOpsError as exc:
                for line in str(exc).splitlines():
                    form.add_error("file", line)
            else:
                messages.success(request, _("The official calendar of %(year)s has been imported (%(count)s dates); "
                                            "open deadlines were recomputed.")
                                 % {"year": form.cleaned_data["year"], "count": len(rows)})
                return redirect("admin:policyops_calendaroverride_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": _("Import a year's official calendar")}
        return TemplateResponse(request, "admin/policyops/calendaroverride/import_official_year.html", context)


@admin.register(OfficialCalendarYear)
class OfficialCalendarYearAdmin(HistoryAdmin):
    list_display = ("year", "notice", "imported_at", "imported_by")
    list_select_related = ("imported_by",)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ("name", "unit", "baseline_year", "baseline_value", "target_year", "comparator", "target_value",
              "attribute")


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ImportExportMixin, HistoryAdmin):
    resource_classes = [resources.PolicyDocumentResource]
    list_display = ("title", "number", "issuer", "issued_on", "effective_on")
    search_fields = ("title", "number", "issuer")
    inlines = [IndicatorInline]


def progress_bar(share):
    if share is None:
        return "—"
    percent = int(share * 100)
    return format_html('<progress max="100" value="{}" title="{}%"></progress> {}%', percent, percent, percent)


@admin.register(Indicator)
class IndicatorAdmin(ImportExportMixin, HistoryAdmin):
    resource_classes = [resources.IndicatorResource]
    list_display = ("name", "document", "baseline", "target", "attribute", "latest", "progress")
    list_filter = ("document", "attribute", "comparator", "target_year")
    search_fields = ("name",)
    list_select_related = ("document",)

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


class PolicyTaskTransitionAction:
    """An admin action that runs one task service per selected row and reports each refusal."""

    def __init__(self, service, description, **service_kwargs):
        self.service = service
        self.service_kwargs = service_kwargs
        self.short_description = description
        self.__name__ = service.__name__

    def __call__(self, modeladmin, request, queryset):
        done = 0
        for task in queryset.select_related("document"):
            try:
                self.service(task=task, acting_user=request.user, **self.service_kwargs)
                done += 1
            except PolicyOpsError as exc:
                modeladmin.message_user(request, f"{task}: {exc}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(count)s task(s) updated.") % {"count": done}, messages.SUCCESS)


@admin.register(PolicyTask)
class PolicyTaskAdmin(DistrictScopedAdminMixin, ImportExportMixin, HistoryAdmin):
    resource_classes = [resources.PolicyTaskResource]
    list_display = ("__str__", "short_text", "lead_unit", "deadline", "status", "overdue")
    list_filter = ("status", "document", "lead_unit")
    search_fields = ("text", "number", "lead_unit__name")
    list_select_related = ("document", "lead_unit")
    filter_horizontal = ("cooperating_units",)
    readonly_fields = ("status", "return_reason", "audit_trail")
    actions = [
        PolicyTaskTransitionAction(services.policy_task_start, gettext_lazy("Start the selected tasks")),
        PolicyTaskTransitionAction(services.policy_task_accept, gettext_lazy("Accept the selected tasks")),
    ]

    @admin.display(description=gettext_lazy("task"))
    def short_text(self, obj):
        return obj.text[:40] + ("…" if len(obj.text) > 40 else "")

    @admin.display(description=gettext_lazy("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue(timezone.localdate())

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the trail is written by services and never edited."""

    list_display = ("at", "actor", "action", "object_repr", "from_state", "to_state", "reason")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "reason", "actor__username")
    list_select_related = ("actor", "content_type")
    date_hierarchy = "at"

