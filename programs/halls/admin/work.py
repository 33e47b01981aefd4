"""Admin of the work on duty: work records and the follow-up of the problems found.

Both are read here, never saved from a form. A record (its cases, its opinions) is
written by ``services.work_record_save`` — the shift's ``record_work`` step, offered to
the director on duty as a button — so a case is attached only if it was received at the
hall on the shift's day, and its director becomes its first-contact person. A problem's
follow-up moves by its steps (ProblemAdmin's buttons and bulk actions).
"""
from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policyops.admin_base import HistoryAdmin, LabelledTabularInline, ReadOnlyAdminMixin, audit_trail_html
from policyops.admin_list import PrecomputedResultListMixin, RelatedFirstSearchMixin
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.admin_workflow import workflow_bulk_action
from programs.halls.actions import PROBLEM_ACTIONS
from programs.halls.admin.common import HallWorkflowAdminMixin
from programs.halls.guards import FOLLOW_UP_PROBLEMS
from programs.halls.models import DutyShift, Problem, WorkRecord


class ProblemInline(ReadOnlyAdminMixin, LabelledTabularInline):
    model = Problem
    extra = 0
    fields = ("description", "proposal", "state", "follow_up")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("follow-up"))
    def follow_up(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:halls_problem_change", args=[obj.pk]),
                           _("Follow up…"))


def _count_of(related, column: str):
    """The number of ``related`` rows whose ``column`` is the row's id, as a subquery per row."""
    return Subquery(related.objects.filter(**{column: OuterRef("pk")}).order_by().values(column)
                    .annotate(n=Count("*")).values("n")[:1],  # pragma: no mutate  (one group, one row: any limit)
                    output_field=IntegerField())


@admin.register(WorkRecord)
class WorkRecordAdmin(PrecomputedResultListMixin, RelatedFirstSearchMixin, DistrictScopedAdminMixin, ReadOnlyAdminMixin,
                      HistoryAdmin):
    """One record a served shift: a big hall writes some 13,000 a year. The cases and problems
    are counted for the page's rows only (page_rows; counted for every record and grouped, the
    list read them all), and the list is built as the shifts' (policyops.admin_list): newest
    shift first, in the order of the shifts' date index, counted to 1,000, fifty a page."""

    list_display = ("shift", "hall", "case_count", "problem_count")
    list_filter = ("shift__hall",)
    list_select_related = ("shift__hall", "shift__director__person")
    search_fields = ("shift__director__person__name", "opinions")
    search_relations_first = ("shift__director",)
    ordering = ("-shift", "-id")  # the shift's own order, newest first: dutyshift_by_date backwards
    list_per_page = 50
    sortable_by = ("shift",)
    fields = ("shift", "case_list", "opinions", "audit_trail")
    readonly_fields = fields
    inlines = [ProblemInline]
    change_form_template = "admin/policyops/workflow_change_form.html"

    def page_rows(self, rows):
        return rows.annotate(n_cases=Coalesce(_count_of(WorkRecord.cases.through, "workrecord_id"), 0),
                             n_problems=Coalesce(_count_of(Problem, "record_id"), 0))

    @admin.display(description=gettext_lazy("service hall"))
    def hall(self, obj):
        return obj.shift.hall

    @admin.display(description=gettext_lazy("cases accepted"))
    def case_count(self, obj):
        return obj.n_cases

    @admin.display(description=gettext_lazy("problems"))
    def problem_count(self, obj):
        return obj.n_problems

    @admin.display(description=gettext_lazy("cases accepted"))
    def case_list(self, obj):
        cases = obj.cases.order_by("number") if obj.pk else []
        if not cases:
            return "—"
        return format_html_join("、", '<a href="{}">{}</a>', (
            (reverse("admin:approvals_approvalcase_change", args=[case.pk]), case.number) for case in cases))

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The shift's ``record_work`` step, for the director on duty: the one way to edit the record."""
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            shift_admin = self.admin_site._registry[DutyShift]
            extra_context["workflow_buttons"] = [button for button in shift_admin.workflow_buttons(request, obj.shift)
                                                 if button["name"] == "record_work"]
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Problem)
class ProblemAdmin(PrecomputedResultListMixin, HallWorkflowAdminMixin, DistrictScopedAdminMixin, ReadOnlyAdminMixin,
                   HistoryAdmin):
    """Problems found on duty, newest work record first. Built as the work records' list
    (policyops.admin_list): Django wrote its hundred rows in ~33 ms of the director's 54 ms at a
    million cases, and counted them twice. The work record column names the shift (date, hall,
    director on duty), joined, so no row reads it apart."""

    list_display = ("short_description", "record", "state")
    list_filter = ("state", "record__shift__hall")
    list_select_related = ("record__shift__hall", "record__shift__director__person")
    search_fields = ("description", "proposal")
    # Records are written as shifts are served, so their ids keep the shifts' order; the record's
    # index gives it without reading the shifts' dates.
    ordering = ("-record", "-id")
    sortable_by = ("record",)
    list_per_page = 50
    fields = ("record", "description", "proposal", "state", "audit_trail")
    readonly_fields = fields
    actions = [workflow_bulk_action(a.name, a.label, permissions=("follow_up",)) for a in PROBLEM_ACTIONS]

    def has_follow_up_permission(self, request):
        return request.user.has_perm(FOLLOW_UP_PROBLEMS)

    @admin.display(description=gettext_lazy("problem found"))
    def short_description(self, obj):
        return str(obj)

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj)

    def workflow_head(self, request, obj):
        return [(_("problem found"), obj.description), (_("rectification proposal"), obj.proposal or "—"),
                (_("rectification"), obj.get_state_display())]
