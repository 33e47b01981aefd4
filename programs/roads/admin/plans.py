"""Admin of annual plans and their dynamic adjustments (动态调整, 002:521).

A request is made through its service (audited, with its lines); a decision is an action
of the workflow (policyops.workflow → programs.roads.services): the change page offers it
as a next step, the changelist runs it on the selected adjustments with one note.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Case, DecimalField, F, OuterRef, Subquery, Sum, When
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policyops import workflow
from policyops.admin_base import HistoryAdmin, LabelledTabularInline, audit_trail_html
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.admin_workflow import WorkflowAdminMixin
from policyops.errors import NotAllowed, PolicyOpsError
from programs.roads import rules, services
from programs.roads.admin.common import plain
from programs.roads.models import AnnualPlan, PlanAdjustment, PlanAdjustmentLine, RoadTarget


def _target_of_plan():
    """The district's Annex 2 target for the plan's column (one join, no query per row)."""
    return Case(*[When(target_field=name, then=F(f"district__road_target__{name}")) for name in rules.TARGET_FIELDS],
                # No mutation of the precision: the value is shown through plain() and compared as a Decimal.
                output_field=DecimalField(max_digits=10, decimal_places=1))  # pragma: no mutate


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


class PlanAdjustmentLineInline(LabelledTabularInline):
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
        targets = {}
        if adjustments:
            for target in RoadTarget.objects.filter(district_id__in={a.district_id for a in adjustments}):
                targets[target.district_id] = target
        for adjustment in adjustments:
            before = plans[(adjustment.district_id, adjustment.target_field)]
            after = {**before, **{line.year: line.new_quantity for line in adjustment.lines.all()}}
            target = targets.get(adjustment.district_id)
            adjustment.totals_ = (sum(before.values(), Decimal(0)), sum(after.values(), Decimal(0)),
                                  target.target_for(adjustment.target_field) if target else Decimal(0))


@admin.register(PlanAdjustment)
class PlanAdjustmentAdmin(WorkflowAdminMixin, DistrictScopedAdminMixin, HistoryAdmin):
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

    @admin.display(description=gettext_lazy("total before → after / Annex 2 target"))
    def totals(self, obj):
        before, after, target = getattr(obj, "totals_", (None, None, None))
        if before is None:
            return "—"
        text = f"{plain(before)} → {plain(after)} / {plain(target)}"
        if after != target:  # 002:521: the invariant is the Annex 2 target
            return format_html('<span class="badge overdue" title="{}">{}</span>',
                               _("The annual plans must add up to the Annex 2 target (002:521)."), text)
        return text

    @admin.display(description=gettext_lazy("total before → after / Annex 2 target"))
    def totals_detail(self, obj):
        if not obj.pk:
            return "—"
        obj.totals_ = (*obj.totals(), obj.annex_target())
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
        obj._state.adding = False  # pragma: no mutate — nothing after save_related reads it (log entry, redirect)
        obj._state.db = created._state.db
        lines_created = list(created.lines.all())
        for formset in formsets:  # the change message of the admin log reads these
            formset.new_objects, formset.changed_objects, formset.deleted_objects = lines_created, [], []

    def workflow_head(self, request, obj):
        return [(_("district"), obj.district), (_("target"), obj.get_target_field_display()),
                (_("total before → after / Annex 2 target"), self.totals_detail(obj)), (_("reason"), obj.reason)]

    # Decisions: only through the workflow; a refusal shows the service's message with the numbers.

    def _decide(self, request, queryset, name, done_message):
        done = 0
        as_of = self.workflow_as_of(request)
        for adjustment in queryset:
            try:
                workflow.perform(adjustment, name, acting_user=request.user, as_of=as_of,
                                 note=request.POST.get("note", ""))
                done += 1
            except PolicyOpsError as exc:
                self.message_user(request, f"{adjustment}: {exc}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Approve the selected adjustments (applies the new annual plans)"),
                  permissions=["approve"])
    def approve_adjustments(self, request, queryset):
        self._decide(request, queryset, "approve", _("%(count)s adjustment(s) approved; the annual plans are updated."))

    @admin.action(description=gettext_lazy("Reject the selected adjustments (give the reason as the note)"),
                  permissions=["approve"])
    def reject_adjustments(self, request, queryset):
        self._decide(request, queryset, "reject", _("%(count)s adjustment(s) rejected."))
