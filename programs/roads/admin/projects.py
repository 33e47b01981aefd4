"""Admin of road projects: the scoped list with quotes, the facts, next steps and milestones.

The next steps are the workflow's (policyops.admin_workflow): one button per action
programs.roads.actions declares, offered as policyops.workflow.available_actions says, each
run through its service. The facts a project's state has fixed (RoadProject.frozen_facts,
the rule the import follows too) are read-only on the change form.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.formats import base_formats

from policyops import importing
from policyops.admin_base import HistoryAdmin, LabelledTabularInline, audit_trail_html
from policyops.admin_import import ImportExportMixin
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.admin_workflow import WorkflowAdminMixin, workflow_bulk_action
from policyops.errors import NotAllowed
from policyops.scoping import may_touch_district
from programs.roads import project_lists, rules, services
from programs.roads.actions import PROJECT_ACTIONS
from programs.roads.admin.common import plain
from programs.roads.models import ProjectMilestone, RoadProject
from programs.roads.models.projects import EVIDENCE_EXTENSIONS
from programs.roads.resources import RoadProjectResource
from programs.roads.rules import WorkType
from programs.roads.subsidy import ProjectQuoter, load_table


class EvidenceInput(forms.ClearableFileInput):
    """Upload only: a stored file is offered through the scoped download view (evidence_link),
    never by its media URL."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"accept": ",".join(f".{ext}" for ext in EVIDENCE_EXTENSIONS), **(attrs or {})})

    def is_initial(self, value):
        return False


class ProjectMilestoneInline(LabelledTabularInline):
    """The four milestone rows are created with the project; dates and evidence come from the steps."""

    model = ProjectMilestone
    extra = 0
    can_delete = False
    fields = ("step", "planned_end", "actual_start", "actual_end", "evidence_number", "evidence_file",
              "evidence_link", "overdue")
    readonly_fields = ("step", "actual_start", "actual_end", "evidence_number", "evidence_link", "overdue")
    formfield_overrides = {models.FileField: {"widget": EvidenceInput}}

    @admin.display(description=gettext_lazy("stored file"))
    def evidence_link(self, obj):
        # Not a file just uploaded in a form that failed: only a stored one can be downloaded.
        if not obj.pk or not obj.evidence_file or not obj.evidence_file._committed:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("roads:milestone-evidence", args=[obj.pk]),
                           obj.evidence_name)

    def get_queryset(self, request):
        # Each row is labelled with str(milestone), which names its project: joined, not read a row.
        return super().get_queryset(request).select_related("project")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue(timezone.localdate()) if obj.pk else None


class RoadProjectChangeList(ChangeList):
    """Quotes the page's projects from ONE subsidy table (never a query per row)."""

    def get_results(self, request):
        super().get_results(request)
        quoter = ProjectQuoter(load_table())
        for project in self.result_list:  # evaluates the page once; the template reuses it
            project.subsidy_quote_wan = quoter.amount_wan(project)


class ProjectOverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("current step overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("yes"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset  # pragma: no mutate — None reads the same: Django's ChangeList keeps the queryset then
        today = timezone.localdate()
        late = ProjectMilestone.objects.filter(project=OuterRef("pk"), step=OuterRef("state"),
                                               planned_end__lt=today, actual_end__isnull=True)
        return queryset.filter(pk__in=Subquery(late.values("project")))


@admin.register(RoadProject)
class RoadProjectAdmin(WorkflowAdminMixin, DistrictScopedAdminMixin, ImportExportMixin, HistoryAdmin):
    resource_classes = [RoadProjectResource]
    import_formats = [base_formats.XLSX, base_formats.CSV]
    export_formats = [base_formats.XLSX, base_formats.CSV]
    list_display = ("name", "district", "town", "work_type", "quantity_display", "plan_year", "state",
                    "step_overdue", "subsidy_quote")
    list_display_links = ("name",)
    list_filter = (("district", admin.RelatedOnlyFieldListFilter), "work_type", "state", "plan_year",
                   ProjectOverdueFilter)
    search_fields = ("name", "town")
    list_select_related = ("district",)
    list_per_page = 50
    autocomplete_fields = ("manager",)
    inlines = [ProjectMilestoneInline]
    # Steps without input (start survey and design) also run on many projects at once.
    actions = [workflow_bulk_action(a.name, a.label, permissions=("manage",)) for a in PROJECT_ACTIONS
               if a.form is None and a.method_name]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ("district", "town", "name", "work_type", "quantity", "plan_year", "excess")}),
        # 002:499: a passenger-stop project's bus facilities, subsidised per piece.
        (gettext_lazy("Bus facilities"), {"fields": ("bus_bays", "bus_shelters", "bus_signs")}),
        (gettext_lazy("Design"), {"fields": ("pavement_width_m", "surface", "surface_thickness_cm", "base_layer",
                                             "passing_bays", "poverty_km", "technical_check")}),
        (gettext_lazy("Money and responsibility"), {"fields": ("estimate_wan", "subsidy_quote_detail",
                                                               "responsible_unit", "contact", "manager")}),
        (gettext_lazy("Progress"), {"fields": ("state", "completed_km", "audit_trail")}),
    ]
    DISPLAY_FIELDS = ("state", "completed_km", "technical_check", "subsidy_quote_detail", "audit_trail")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("milestones")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "district":  # the programme's districts only
            formfield.queryset = formfield.queryset.filter(rules.in_programme_q())
        return formfield

    def get_changelist(self, request, **kwargs):
        return RoadProjectChangeList

    def get_readonly_fields(self, request, obj=None):
        # The facts the project's state has fixed: the same rule the import follows.
        return (*self.DISPLAY_FIELDS, *(obj.frozen_facts() if obj is not None else ()))

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # a new project: its facts only
            return [(name, {"fields": [f for f in opts["fields"] if f not in self.DISPLAY_FIELDS]})
                    for name, opts in self.fieldsets]
        return self.fieldsets

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_manage_permission(self, request):
        return request.user.has_perm("roads.manage_roadproject")

    def workflow_head(self, request, obj):
        return [(_("district"), obj.district), (_("work type"), obj.get_work_type_display()),
                (_("length (km) or count"), f"{plain(obj.quantity)} {WorkType.unit(obj.work_type)}"),
                (_("status"), obj.get_state_display())]

    # Import: the project lists' bulk path (programs.roads.project_lists: read once, checked in
    # bulk, all-or-nothing, district-scoped); export through RoadProjectResource.

    def run_import(self, request, resource, content, *, filename, dry_run):
        report = project_lists.import_project_table(content, filename=filename, user=request.user, dry_run=dry_run)
        return importing.ImportReport(filename=report.filename, problems=report.problems, saved=report.saved,
                                      dry_run=dry_run, result=project_lists.as_import_result(report, dry_run=dry_run))

    def has_import_permission(self, request):
        return request.user.has_perm("roads.manage_roadproject") and self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {}

    # Columns.

    @admin.display(description=gettext_lazy("length (km) or count"), ordering="quantity")
    def quantity_display(self, obj):
        return f"{plain(obj.quantity)} {WorkType.unit(obj.work_type)}"

    @admin.display(description=gettext_lazy("current step overdue"), boolean=True)
    def step_overdue(self, obj):
        milestone = obj.current_milestone
        return bool(milestone and milestone.is_overdue(timezone.localdate()))

    @admin.display(description=gettext_lazy("city subsidy quote (万元)"))
    def subsidy_quote(self, obj):
        return plain(getattr(obj, "subsidy_quote_wan", None))

    @admin.display(description=gettext_lazy("city subsidy quote (万元)"))
    def subsidy_quote_detail(self, obj):
        if not obj.pk:
            return "—"
        return plain(ProjectQuoter(load_table()).amount_wan(obj))

    @admin.display(description=gettext_lazy("technical rules"))
    def technical_check(self, obj):
        if not obj.pk:
            return "—"
        problems = obj.technical_problems()
        if not problems:
            return _("The design meets the technical rules.") if obj.work_type in rules.NEW_ROAD_WORK_TYPES else "—"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p,) for p in problems)))

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj)

    # A new project is created through the service, with its four milestone rows.

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        if not may_touch_district(request.user, obj.district_id):
            raise PermissionDenied(_("You may only change records of your own district."))
        names = [f.name for f in RoadProject._meta.concrete_fields if f.name in form.cleaned_data]
        try:
            created = services.project_create(acting_user=request.user, **{n: getattr(obj, n) for n in names})
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = created.pk
        obj._state.adding = False  # pragma: no mutate — nothing after save_model reads it (no m2m, no add inlines)
        obj._state.db = created._state.db
