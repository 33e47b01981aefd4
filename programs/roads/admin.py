"""Admin of the rural-road programme.

States are never saved from a form: a project's status and an adjustment's state are
read-only here and change only through programs.roads.services (which checks, audits and
records the milestone dates). Lists compute what they show per page in one go (one
subsidy table, one query of annual plans), so their query count does not grow with rows.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Case, DecimalField, F, OuterRef, Subquery, Sum, When
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats import base_formats

from policyops.admin_base import HistoryAdmin, audit_trail_html
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.errors import ConditionFailed, IllegalTransition, NotAllowed, PolicyOpsError
from policyops.scoping import may_touch_district
from policyops.transitions import check_transition
from programs.roads import rules, services
from programs.roads.models import (
    AnnualPlan,
    PlanAdjustment,
    PlanAdjustmentLine,
    ProgrammePhase,
    ProjectMilestone,
    RoadProject,
    RoadTarget,
    SubsidyParameter,
    SubsidyRate,
)
from programs.roads.parsing import UnitKind, parse_quantity
from programs.roads.resources import (
    ProgrammePhaseResource,
    RoadProjectResource,
    RoadTargetResource,
    SubsidyParameterResource,
    SubsidyRateResource,
)
from programs.roads.rules import WorkType
from programs.roads.subsidy import ProjectQuoter, load_table


def plain(number) -> str:
    """69.70 → "69.7", 200.00 → "200"."""
    if number is None:
        return "—"
    return format(Decimal(number).normalize(), "f")


# --- Targets, phases and the subsidy tables ------------------------------------------------


@admin.register(RoadTarget)
class RoadTargetAdmin(DistrictScopedAdminMixin, ImportExportMixin, HistoryAdmin):
    resource_classes = [RoadTargetResource]
    list_display = ("district", "upgrade_km", "village_access_km", "pavement_total_km", "major_medium_km",
                    "preventive_km", "dangerous_bridges", "bus_stops")
    list_select_related = ("district",)

    def has_import_permission(self, request):
        # import-export allows every admin user by default; targets change only with the change permission.
        return self.has_change_permission(request)


class ProgrammeDataAdmin(ExportMixin, HistoryAdmin):
    """Rules transcribed from the sources: changed by those granted the change permission (supervisors),
    read-only for everyone else, never deleted from the admin (load_seeds owns the rows)."""

    export_formats = [base_formats.XLSX, base_formats.CSV]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ProgrammePhase)
class ProgrammePhaseAdmin(ProgrammeDataAdmin):
    resource_classes = [ProgrammePhaseResource]
    list_display = ("number", "name", "starts_on", "ends_on", "completion_share", "source")


@admin.register(SubsidyRate)
class SubsidyRateAdmin(ProgrammeDataAdmin):
    resource_classes = [SubsidyRateResource]
    list_display = ("work_type", "wide", "district_group", "rate_wan_per_km", "source")
    list_filter = ("work_type", "wide", "district_group")


@admin.register(SubsidyParameter)
class SubsidyParameterAdmin(ProgrammeDataAdmin):
    resource_classes = [SubsidyParameterResource]
    list_display = ("key", "value", "text", "source")
    search_fields = ("key", "text")


# --- Road projects -----------------------------------------------------------------------------

PROJECT_TRANSITIONS = [
    ("start_design", gettext_lazy("Start survey and design")),
    ("approve_design", gettext_lazy("Approve the design")),
    ("award_contract", gettext_lazy("Award the contract")),
    ("complete_construction", gettext_lazy("Complete construction")),
    ("accept", gettext_lazy("Accept the works")),
]
# Conditions the button itself supplies: the evidence number is typed beside it.
SUPPLIED_BY_THE_BUTTON = {"_step_has_evidence"}


def project_transition_options(project, user):
    """(name, label, ready, reason) of each transition ``user`` may run on ``project`` now."""
    options = []
    for name, label in PROJECT_TRANSITIONS:
        try:
            check_transition(project, name, acting_user=user, condition_messages=services.GUARD_MESSAGES)
        except (IllegalTransition, NotAllowed):
            continue
        except ConditionFailed:
            meta = getattr(project, name)._django_fsm
            conditions = meta.get_transition(meta.field.get_state(project)).conditions
            unmet = [c.__name__ for c in conditions if c.__name__ not in SUPPLIED_BY_THE_BUTTON and not c(project)]
            if unmet:
                reason = "；".join(str(services.GUARD_MESSAGES.get(n, n)) for n in unmet)
                if name == "approve_design" and project.technical_problems():
                    reason = "；".join(project.technical_problems())
                options.append((name, str(label), False, reason))
                continue
        options.append((name, str(label), True, ""))
    return options


class ProjectMilestoneInline(admin.TabularInline):
    """The four milestone rows are created with the project; dates and evidence come from the transitions."""

    model = ProjectMilestone
    extra = 0
    can_delete = False
    fields = ("step", "planned_end", "actual_start", "actual_end", "evidence_number", "evidence_file", "overdue")
    readonly_fields = ("step", "actual_start", "actual_end", "evidence_number", "overdue")

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
            return queryset
        today = timezone.localdate()
        late = ProjectMilestone.objects.filter(project=OuterRef("pk"), step=OuterRef("status"),
                                               planned_end__lt=today, actual_end__isnull=True)
        return queryset.filter(pk__in=Subquery(late.values("project")))


@admin.register(RoadProject)
class RoadProjectAdmin(DistrictScopedAdminMixin, ImportExportMixin, HistoryAdmin):
    resource_classes = [RoadProjectResource]
    import_formats = [base_formats.XLSX, base_formats.CSV]
    export_formats = [base_formats.XLSX, base_formats.CSV]
    list_display = ("name", "district", "town", "work_type", "quantity_display", "plan_year", "status",
                    "step_overdue", "subsidy_quote")
    list_display_links = ("name",)
    list_filter = (("district", admin.RelatedOnlyFieldListFilter), "work_type", "status", "plan_year",
                   ProjectOverdueFilter)
    search_fields = ("name", "town")
    list_select_related = ("district",)
    list_per_page = 50
    autocomplete_fields = ("manager",)
    inlines = [ProjectMilestoneInline]
    save_on_top = True  # Enter in a field saves; it never presses a transition button below
    fieldsets = [
        (None, {"fields": ("district", "town", "name", "work_type", "quantity", "plan_year", "excess")}),
        (gettext_lazy("Design"), {"fields": ("pavement_width_m", "surface", "surface_thickness_cm", "base_layer",
                                             "passing_bays", "poverty_km", "technical_check")}),
        (gettext_lazy("Money and responsibility"), {"fields": ("estimate_wan", "subsidy_quote_detail",
                                                               "responsible_unit", "contact", "manager")}),
        (gettext_lazy("Progress"), {"fields": ("status", "completed_km", "next_steps", "audit_trail")}),
    ]
    DISPLAY_FIELDS = ("status", "completed_km", "technical_check", "subsidy_quote_detail", "next_steps",
                      "audit_trail")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("milestones")

    def get_changelist(self, request, **kwargs):
        return RoadProjectChangeList

    def get_readonly_fields(self, request, obj=None):
        return self.DISPLAY_FIELDS

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # a new project: its facts only
            return [(name, {"fields": [f for f in opts["fields"] if f not in self.DISPLAY_FIELDS]})
                    for name, opts in self.fieldsets]
        return self.fieldsets

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    # Import and export go through RoadProjectResource (all-or-nothing, district-scoped).

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

    @admin.display(description=gettext_lazy("next steps"))
    def next_steps(self, obj):
        """Buttons posting the change form to the transition view (no nested form)."""
        user = getattr(obj, "_admin_user", None)
        if not obj.pk or user is None:
            return "—"
        options = project_transition_options(obj, user)
        parts = []
        if any(ready for _name, _label, ready, _reason in options):
            parts.append(format_html(
                '<p><label>{} <input type="text" name="_evidence_number" maxlength="100" size="30"></label></p>',
                _("Evidence document number of the step being finished:")))
        advance_url = reverse("admin:roads_roadproject_advance", args=[obj.pk])
        for name, label, ready, reason in options:
            if ready:
                parts.append(format_html(
                    '<button type="submit" class="button" formaction="{}" name="_transition" value="{}">{}</button> ',
                    advance_url, name, label))
            else:
                parts.append(format_html('<button type="button" class="button" disabled title="{}">{}</button> '
                                         '<span class="help">{}</span> ', reason, label, reason))
        if obj.status == RoadProject.Status.CONSTRUCTION and obj.work_type not in WorkType.COUNTED and \
                user.has_perm("roads.manage_roadproject") and may_touch_district(user, obj.district_id):
            parts.append(format_html(
                '<p><label>{} <input type="text" name="_completed_km" size="8" value="{}"></label> '
                '<button type="submit" class="button" formaction="{}">{}</button></p>',
                _("Km completed:"), plain(obj.completed_km), reverse("admin:roads_roadproject_progress",
                                                                      args=[obj.pk]),
                _("Report progress")))
        return format_html_join("", "{}", ((p,) for p in parts)) if parts else "—"

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._admin_user = request.user  # for the next-steps buttons (the display gets only obj)
        return obj

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
        obj._state.adding = False
        obj._state.db = created._state.db

    # Transitions and progress: only through the services.

    def get_urls(self):
        return [
            path("<path:object_id>/advance/", self.admin_site.admin_view(self.advance_view),
                 name="roads_roadproject_advance"),
            path("<path:object_id>/progress/", self.admin_site.admin_view(self.progress_view),
                 name="roads_roadproject_progress"),
            *super().get_urls(),
        ]

    def _project_for_post(self, request, object_id):
        if request.method != "POST":
            return None
        project = self.get_object(request, unquote(object_id))
        if project is None:
            raise Http404
        return project

    def advance_view(self, request, object_id):
        project = self._project_for_post(request, object_id)
        if project is None:
            return HttpResponseNotAllowed(["POST"])
        action = request.POST.get("_transition", "")
        if action not in dict(PROJECT_TRANSITIONS):
            raise Http404
        try:
            services.project_advance(project=project, action=action, acting_user=request.user,
                                     as_of=timezone.localdate(),
                                     evidence_number=request.POST.get("_evidence_number", "")[:100])
        except PolicyOpsError as exc:
            self.message_user(request, f"{project}: {exc}", messages.ERROR)
        else:
            self.message_user(request, _("%(project)s: now “%(status)s”.")
                              % {"project": project, "status": project.get_status_display()}, messages.SUCCESS)
        return redirect("admin:roads_roadproject_change", project.pk)

    def progress_view(self, request, object_id):
        project = self._project_for_post(request, object_id)
        if project is None:
            return HttpResponseNotAllowed(["POST"])
        try:
            km = parse_quantity(request.POST.get("_completed_km", ""), UnitKind.KM)
            if km is None:
                raise ValueError(_("Give the km completed."))
            services.project_report_progress(project=project, acting_user=request.user, completed_km=km)
        except (PolicyOpsError, ValueError) as exc:
            self.message_user(request, f"{project}: {exc}", messages.ERROR)
        else:
            self.message_user(request, _("%(project)s: %(km)s km completed.")
                              % {"project": project, "km": plain(km)}, messages.SUCCESS)
        return redirect("admin:roads_roadproject_change", project.pk)


# --- Annual plans and their adjustments ---------------------------------------------------------


def _target_of_plan():
    """The district's Annex 2 target for the plan's column (one join, no query per row)."""
    return Case(*[When(target_field=name, then=F(f"district__road_target__{name}")) for name in rules.TARGET_FIELDS],
                output_field=DecimalField(max_digits=10, decimal_places=1))


@admin.register(AnnualPlan)
class AnnualPlanAdmin(DistrictScopedAdminMixin, HistoryAdmin):
    """A changed plan goes through a plan adjustment (the total must not change, 002:521);
    only those who approve adjustments correct a saved plan here."""

    list_display = ("district", "target_field", "year", "quantity", "plans_total")
    list_filter = ("district", "target_field", "year")
    list_select_related = ("district",)

    def get_queryset(self, request):
        totals = (AnnualPlan.objects.filter(district=OuterRef("district"), target_field=OuterRef("target_field"))
                  .values("district", "target_field").annotate(total=Sum("quantity")).values("total"))
        return super().get_queryset(request).annotate(
            plans_total_=Subquery(totals), target_=_target_of_plan())

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not request.user.has_perm("roads.approve_planadjustment"):
            return ("district", "target_field", "year", "quantity")
        return ()

    @admin.display(description=gettext_lazy("all years / target"))
    def plans_total(self, obj):
        total, target = getattr(obj, "plans_total_", None), getattr(obj, "target_", None)
        text = f"{plain(total)} / {plain(target)}"
        if total is not None and target is not None and Decimal(total) != Decimal(target):
            return format_html('<span class="badge overdue" title="{}">{}</span>',
                               _("The annual plans do not add up to the target."), text)
        return text


class PlanAdjustmentLineInline(admin.TabularInline):
    """The new plan per year: part of the request, so it follows the adjustment's own permissions."""

    model = PlanAdjustmentLine
    extra = 0
    min_num = 1
    fields = ("year", "new_quantity")

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_min=True, **kwargs)  # at least one year's new plan

    def _editable(self, request, obj):
        if obj is None:
            return request.user.has_perm("roads.add_planadjustment")
        return obj.state == PlanAdjustment.State.REQUESTED and request.user.has_perm("roads.change_planadjustment")

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("roads.view_planadjustment") or self._editable(request, obj)


class DecisionActionForm(ActionForm):
    note = forms.CharField(label=gettext_lazy("decision note"), required=False, max_length=500,
                           widget=forms.TextInput(attrs={"size": 40}))


class PlanAdjustmentChangeList(ChangeList):
    """Before and after totals of the page's adjustments from one query of annual plans."""

    def get_results(self, request):
        super().get_results(request)
        adjustments = list(self.result_list)
        plans = defaultdict(dict)
        if adjustments:
            rows = AnnualPlan.objects.filter(district_id__in={a.district_id for a in adjustments},
                                             target_field__in={a.target_field for a in adjustments})
            for plan in rows.values("district_id", "target_field", "year", "quantity"):
                plans[(plan["district_id"], plan["target_field"])][plan["year"]] = plan["quantity"]
        for adjustment in adjustments:
            before = plans[(adjustment.district_id, adjustment.target_field)]
            after = {**before, **{line.year: line.new_quantity for line in adjustment.lines.all()}}
            adjustment.totals_ = (sum(before.values(), Decimal(0)), sum(after.values(), Decimal(0)))


@admin.register(PlanAdjustment)
class PlanAdjustmentAdmin(DistrictScopedAdminMixin, HistoryAdmin):
    list_display = ("__str__", "district", "target_field", "state", "requested_by", "totals")
    list_filter = ("state", "district", "target_field")
    list_select_related = ("district", "requested_by")
    inlines = [PlanAdjustmentLineInline]
    action_form = DecisionActionForm
    actions = ["approve_adjustments", "reject_adjustments"]
    fields = ("district", "target_field", "reason", "state", "requested_by", "decision_note", "totals_detail",
              "audit_trail")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines")

    def get_changelist(self, request, **kwargs):
        return PlanAdjustmentChangeList

    def get_readonly_fields(self, request, obj=None):
        readonly = ["state", "requested_by", "decision_note", "totals_detail", "audit_trail"]
        if obj is not None:
            readonly += ["district", "target_field", "reason"]
        return readonly

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("district", "target_field", "reason")
        return self.fields

    def has_approve_permission(self, request):
        return request.user.has_perm("roads.approve_planadjustment")

    def has_delete_permission(self, request, obj=None):
        return False  # a decided adjustment stays on record; a request is rejected, not deleted

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.state == PlanAdjustment.State.REQUESTED)

    @admin.display(description=gettext_lazy("total before → after"))
    def totals(self, obj):
        before, after = getattr(obj, "totals_", (None, None))
        if before is None:
            return "—"
        text = f"{plain(before)} → {plain(after)}"
        if before != after:
            return format_html('<span class="badge overdue" title="{}">{}</span>',
                               _("The total must stay unchanged (002:521)."), text)
        return text

    @admin.display(description=gettext_lazy("total before → after"))
    def totals_detail(self, obj):
        if not obj.pk:
            return "—"
        obj.totals_ = services.adjustment_totals(obj)
        return self.totals(obj)

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj)

    # A request goes through the service (audited), with its lines from the inline.

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if change:
            return super().save_related(request, form, formsets, change)
        obj = form.instance
        lines = {}
        for formset in formsets:
            for line_form in formset.forms:
                data = getattr(line_form, "cleaned_data", None) or {}
                if data and not data.get("DELETE") and data.get("year") is not None:
                    lines[data["year"]] = data["new_quantity"]
        try:
            created = services.adjustment_request(district=obj.district, target_field=obj.target_field,
                                                  reason=obj.reason, lines=lines, acting_user=request.user)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db
        lines_created = list(created.lines.all())
        for formset in formsets:  # the change message of the admin log reads these
            formset.new_objects, formset.changed_objects, formset.deleted_objects = lines_created, [], []

    # Decisions: only through the services; a refusal shows the service's message with the numbers.

    def _decide(self, request, queryset, service, done_message, **kwargs):
        done = 0
        for adjustment in queryset:
            try:
                service(adjustment=adjustment, acting_user=request.user, note=request.POST.get("note", ""), **kwargs)
                done += 1
            except PolicyOpsError as exc:
                self.message_user(request, f"{adjustment}: {exc}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Approve the selected adjustments (applies the new annual plans)"),
                  permissions=["approve"])
    def approve_adjustments(self, request, queryset):
        self._decide(request, queryset, services.adjustment_approve,
                     _("%(count)s adjustment(s) approved; the annual plans are updated."))

    @admin.action(description=gettext_lazy("Reject the selected adjustments (give the reason as the note)"),
                  permissions=["approve"])
    def reject_adjustments(self, request, queryset):
        self._decide(request, queryset, services.adjustment_reject, _("%(count)s adjustment(s) rejected."))
