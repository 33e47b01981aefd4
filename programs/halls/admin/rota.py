"""Admin of the rota: duty shifts and the sign-in log.

Nothing is added, edited or deleted here. Generating a month goes through
``services.rota_generate``; every other step of a shift (publish, move, the objection to
an A/B filing, the work record) is a button that policyops.workflow offers (programs.halls.actions).
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policyops import timeline
from policyops.admin_base import HistoryAdmin, LabelledTabularInline, ReadOnlyAdminMixin, audit_trail_html
from policyops.admin_list import PrecomputedResultListMixin, RelatedFirstSearchMixin
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.admin_workflow import form_page
from policyops.errors import PolicyOpsError
from policyops.models import ServiceHall
from programs.halls import services
from programs.halls.admin.common import MANAGE_ROTA, HallWorkflowAdminMixin
from programs.halls.forms import ACTIONS, GenerateRotaForm
from programs.halls.models import DutyShift, SignAttempt

GENERATE_TEMPLATE = "admin/halls/dutyshift/generate_rota.html"


class SignAttemptInline(LabelledTabularInline):
    model = SignAttempt
    extra = 0
    fields = ("at", "user", "action_label", "success", "reason")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = gettext_lazy("sign-in attempts")

    @admin.display(description=gettext_lazy("action"))
    def action_label(self, obj):
        return timeline.action_label(SignAttempt, obj.action)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DutyShift)
class DutyShiftAdmin(PrecomputedResultListMixin, RelatedFirstSearchMixin, HallWorkflowAdminMixin,
                     DistrictScopedAdminMixin, ReadOnlyAdminMixin, HistoryAdmin):
    """A year of a 1,000-director hall is some 13,000 shifts: a director's list took 72 ms (two
    full counts, a sort of every shift in view, the date hierarchy's MIN/MAX and DISTINCT months,
    100 rows through Django's cells). Built as the ratings' list (policyops.admin_list): in the
    order of an index, counted to 1,000, fifty a page, dates as ranges (the date filter)."""

    list_display = ("date", "hall", "director_name", "department", "substitute_name", "state", "signed_in",
                    "signed_out", "left_without_sign_out", "left_early")
    list_filter = ("hall", "state", "date", "left_early")
    list_select_related = ("hall", "director__person__department", "substitute__person")
    list_per_page = 50
    sortable_by = ("date",)  # dutyshift_by_date
    search_fields = ("director__person__name", "substitute__person__name", "hall__name")
    search_relations_first = ("director", "substitute", "hall")
    fields = ("hall", "date", "director", "starts_at", "ends_at", "state", "substitute", "substitution_reason",
              "objection_reason", "signed_in_at", "signed_out_at", "left_without_sign_out", "left_early",
              "audit_trail")
    readonly_fields = fields
    inlines = [SignAttemptInline]
    # A filed A/B substitution needs no decision (002:1978 备案): filter on 'substitute filed (A/B)' to see the
    # filings; an objection, with its reason, is the button on the shift's page.
    actions = ["publish_months"]
    change_list_template = "admin/halls/dutyshift/change_list.html"

    def has_manage_rota_permission(self, request):
        return request.user.has_perm(MANAGE_ROTA)

    # Columns.

    @admin.display(description=gettext_lazy("director"), ordering="director__person__name")
    def director_name(self, obj):
        return obj.director.person.name

    @admin.display(description=gettext_lazy("department"))
    def department(self, obj):
        return obj.director.person.department or "—"

    @admin.display(description=gettext_lazy("substitute"))
    def substitute_name(self, obj):
        return obj.substitute.person.name if obj.substitute_id else "—"

    @admin.display(description=gettext_lazy("signed in"), ordering="signed_in_at")
    def signed_in(self, obj):
        return f"{timezone.localtime(obj.signed_in_at):%H:%M}" if obj.signed_in_at else "—"

    @admin.display(description=gettext_lazy("signed out"), ordering="signed_out_at")
    def signed_out(self, obj):
        return f"{timezone.localtime(obj.signed_out_at):%H:%M}" if obj.signed_out_at else "—"

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj)

    # The steps' pages (policyops.admin_workflow) show what the step acts on.

    def workflow_head(self, request, obj):
        return [(_("date"), obj.date), (_("service hall"), obj.hall), (_("director"), obj.director),
                (_("substitute"), obj.substitute or "—"), (_("state"), obj.get_state_display())]

    # Generating a month.

    def get_urls(self):
        return [path("generate/", self.admin_site.admin_view(self.generate_view), name="halls_dutyshift_generate"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_generate": request.user.has_perm(MANAGE_ROTA)}
        return super().changelist_view(request, extra_context)

    def generate_view(self, request):
        """Hall + month → services.rota_generate; an infeasible month is explained, director by director."""
        if not request.user.has_perm(MANAGE_ROTA):
            raise PermissionDenied
        changelist = reverse("admin:halls_dutyshift_changelist")
        halls = ServiceHall.objects.visible_to(request.user).filter(duty_settings__isnull=False)
        form = GenerateRotaForm(request.POST or None, halls=halls)
        problems = None
        if request.method == "POST" and form.is_valid():
            hall, year, month = (form.cleaned_data[k] for k in ("hall", "year", "month"))
            try:
                shifts = services.rota_generate(hall=hall, year=year, month=month, acting_user=request.user)
            except services.RotaInfeasible as exc:
                problems = exc.problems
            except PolicyOpsError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, _(
                    "%(count)s shifts generated for %(hall)s in %(year)s-%(month)02d. Check them, move single shifts "
                    "if needed, then publish the month.") % {"count": len(shifts), "hall": hall, "year": year,
                                                             "month": month}, messages.SUCCESS)
                query = urlencode({"hall__id__exact": hall.pk, "date__year": year, "date__month": month})
                return redirect(f"{changelist}?{query}")
        response = form_page(self, request, title=_("Generate a month's rota"), form=form,
                             submit_label=_("Generate"), cancel_url=changelist, problems=problems)
        response.template_name = GENERATE_TEMPLATE  # the shared page, with the infeasibility explained
        return response

    # Bulk actions.

    @admin.action(description=gettext_lazy("Publish the whole month of the selected shifts (hall by hall)"),
                  permissions=["manage_rota"])
    def publish_months(self, request, queryset):
        months = sorted({(hall_id, day.year, day.month) for hall_id, day in queryset.values_list("hall_id", "date")})
        halls = ServiceHall.objects.in_bulk({hall_id for hall_id, _y, _m in months})
        for hall_id, year, month in months:
            hall = halls[hall_id]
            try:
                count = services.rota_publish(hall=hall, year=year, month=month, acting_user=request.user,
                                              now=timezone.now())
            except PolicyOpsError as exc:
                self.message_user(request, f"{hall} {year}-{month:02d}: {exc}", messages.ERROR)
            else:
                self.message_user(request, _("%(hall)s %(year)s-%(month)02d: %(count)s shifts published.")
                                  % {"hall": hall, "year": year, "month": month, "count": count}, messages.SUCCESS)


class SignActionFilter(admin.SimpleListFilter):
    """Sign-in or sign-out, from the form's two actions (Django's filter of the values in use read
    every attempt for them)."""

    title = gettext_lazy("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(action, timeline.action_label(SignAttempt, action)) for action, _label in ACTIONS]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(SignAttempt)
class SignAttemptAdmin(PrecomputedResultListMixin, RelatedFirstSearchMixin, ReadOnlyAdminMixin,
                       DistrictScopedAdminMixin, admin.ModelAdmin):
    """Every attempt, two or three a served shift: tens of thousands a year for a big hall. Built as
    the shifts' list (policyops.admin_list): newest first in an index's order, counted to 1,000,
    fifty a page, times as ranges (the date filter)."""

    list_display = ("at", "user", "hall", "action_label", "success", "reason", "shift")
    list_filter = ("success", SignActionFilter, "hall", ("at", admin.DateFieldListFilter))
    list_select_related = ("user", "hall", "shift__hall", "shift__director__person")
    search_fields = ("user__username", "reason")
    search_relations_first = ("user",)
    exclude = ("code", "code_counter")
    list_per_page = 50
    sortable_by = ("at",)  # signattempt_newest_first

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_label(self, obj):
        return timeline.action_label(SignAttempt, obj.action)
