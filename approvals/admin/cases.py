"""Admin of approval cases: the clerks' queue, registration, next steps, bulk assignment."""
import functools

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.formats import base_formats

from approvals import forms as approval_forms
from approvals import rules, selectors, services
from approvals.admin.common import (
    ApprovalsMedia,
    ordering_for_search,
    searches_a_block_of_numbers,
    selected_action_inputs,
)
from approvals.models import ApprovalCase, CaseMaterial, CaseNotice, CaseSuspension, DelegatedPower
from approvals.personal_data import sees_personal_data
from approvals.resources import ApprovalCaseResource
from approvals.views import due_badge
from policyops.admin_base import HistoryAdmin, LabelledTabularInline, ReadOnlyAdminMixin, audit_trail_html
from policyops.admin_list import PrecomputedResultListMixin
from policyops.admin_scoping import DistrictScopedAdminMixin, VisibleDistrictFilter
from policyops.admin_workflow import WorkflowAdminMixin, form_page
from policyops.calendar import add_working_days
from policyops.errors import PolicyOpsError
from policyops.exporting import ExportMixin
from policyops.masking import mask_phone, record_personal_data_view
from policyops.models import Department
from policyops.scoping import may_touch_district

S = ApprovalCase.State
INTAKE_STATES = (S.SUBMITTED, S.CORRECTION_REQUESTED, S.RESUBMITTED)
# What a clerk may still correct by hand while the application is at the counter.
EDITABLE_DURING_INTAKE = ("applicant_name", "applicant_type", "applicant_phone", "school_type", "hospital_grade",
                          "inside_pingdu", "cross_regional")


class DueFilter(admin.SimpleListFilter):
    title = gettext_lazy("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", gettext_lazy("overdue")), ("soon", gettext_lazy("due soon")),
                ("on_time", gettext_lazy("on time"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        soon_until = add_working_days(today, rules.DUE_SOON_DAYS)
        if self.value() == "overdue":
            return queryset.overdue(today)
        if self.value() == "soon":
            return queryset.due_soon(today, soon_until)
        if self.value() == "on_time":
            return queryset.open().filter(due_on__gt=soon_until)
        return queryset  # pragma: no mutate — None reads the same: Django's ChangeList keeps the queryset then


class _CaseInlinePermissions:
    def _editable(self, request, obj):
        return (obj is not None and obj.state in INTAKE_STATES
                and request.user.has_perm("approvals.process_case") and may_touch_district(request.user,
                                                                                           obj.district_id))


class CaseMaterialInline(_CaseInlinePermissions, LabelledTabularInline):
    model = CaseMaterial
    extra = 0
    fields = ("name", "provided", "note")

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyInline(ReadOnlyAdminMixin, LabelledTabularInline):
    extra = 0
    can_delete = False


class CaseSuspensionInline(_ReadOnlyInline):
    model = CaseSuspension
    fields = readonly_fields = ("start", "end", "ground", "expected_days", "note")


class CaseNoticeInline(_ReadOnlyInline):
    model = CaseNotice
    fields = readonly_fields = ("kind", "number", "issued_on", "seal", "print_link")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("seal")

    @admin.display(description=gettext_lazy("print"))
    def print_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>',
                           reverse("approvals:notice_print", args=[obj.pk]), _("Print"))


@functools.lru_cache(maxsize=256)
def _power_cell(number, name):
    # 49 powers fill a list of 50 cases: each cell is written once, not once a row.
    short = name if len(name) <= 24 else name[:24] + "…"
    return format_html('<span title="{}">{}. {}</span>', name, number, short)


class PowerAgencyFilter(admin.RelatedFieldListFilter):
    """The implementing agencies of the delegated powers (the decree's annex, public), read from the
    power table: a clerk's RelatedOnlyFieldListFilter scanned the district's cases for them (568 ms at
    a million cases)."""

    def field_choices(self, field, request, model_admin):
        # (pk, name): a department shows as its name, and the page needs no Department objects.
        return list(Department.objects.filter(delegated_powers__isnull=False).distinct().order_by("name")
                    .values_list("pk", "name"))


class PowerFilter(admin.RelatedFieldListFilter):
    """The delegated powers, read as (pk, number, name): the choices need no DelegatedPower objects
    (49 of them, with every column, on each load of the case list)."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin) or DelegatedPower._meta.ordering
        return [(pk, DelegatedPower.display_name(number, name))
                for pk, number, name in DelegatedPower.objects.order_by(*ordering).values_list("pk", "number", "name")]


@admin.register(ApprovalCase)
class ApprovalCaseAdmin(PrecomputedResultListMixin, WorkflowAdminMixin, DistrictScopedAdminMixin, ExportMixin,
                        HistoryAdmin):
    resource_classes = [ApprovalCaseResource]
    export_formats = [base_formats.XLSX]
    list_display = ("number", "power_short", "applicant_name", "state", "handler", "received_on", "due_on",
                    "due_state")
    # Plain related filters: a RelatedOnlyFieldListFilter reads every case to find the values in
    # use (150–470 ms each at a million cases); the agencies, powers and districts are short tables.
    # The district filter offers only the districts in the user's view.
    list_filter = (("power__agency", PowerAgencyFilter), ("power", PowerFilter), "state",
                   ("district", VisibleDistrictFilter), DueFilter)
    search_fields = ("number", "applicant_name")  # as selectors.case_search reads them (below)
    # What the rows show, joined: the power, the handler and their department. No more: each
    # further join costs PostgreSQL more planning than the page's reading (see
    # selectors.with_list_relations).
    list_select_related = ("power", "handler", "handler__department")
    # What the columns above read (the due state: the state and due date); the rest stays unread.
    list_columns = ("number", "power__number", "power__name", "applicant_name", "state", "handler__name",
                    "handler__department__name", "received_on", "due_on")
    list_per_page = 50
    # The columns an index orders (the number, the receipt date, the due date). Sorting a million
    # cases by applicant, handler, state or power read and sorted every row (0.15–0.54 s a page,
    # issue 12); the filters and the search find those cases instead.
    sortable_by = ("number", "received_on", "due_on")
    actions = ["assign_handler"]
    inlines = [CaseMaterialInline, CaseSuspensionInline, CaseNoticeInline]
    fieldsets = [
        (gettext_lazy("Application"), {"fields": (
            "number", "power", "district", "applicant_name", "applicant_type", "applicant_phone", "school_type",
            "hospital_grade", "inside_pingdu", "cross_regional")}),
        (gettext_lazy("Reception and handling"), {"fields": (
            "received_hall", "received_on", "first_contact", "handler", "created_at")}),
        (gettext_lazy("State and clock"), {"fields": (
            "state", "due_badge", "clock_summary", "accepted_on", "deemed_accepted", "extended", "approved_on")}),
        (gettext_lazy("Outcome"), {"fields": (
            "refusal_reason", "refer_to", "decision_reason", "licence_number", "superior_decision",
            "superior_document")}),
        (gettext_lazy("Audit trail"), {"fields": ("audit_trail",)}),
    ]
    DISPLAY_FIELDS = ("due_badge", "clock_summary", "audit_trail", "applicant_phone_masked")
    Media = ApprovalsMedia

    def get_search_results(self, request, queryset, search_term):
        """The front list's search (selectors.case_search): the whole text, in the number or the
        applicant; a whole case number by the number's index; a year's numbers within that year."""
        term = selectors.normalise_search(search_term)
        if not term:
            return queryset, False
        if not selectors.few_enough_to_sort(term):  # a block's few matches are sorted (below)
            # A year's numbers (PD-2019) are read within that year: newest first, from the year's end
            # rather than past every later case (342 ms -> ~20 ms at a million cases; issue 12); in
            # the other orders as fast or faster (by due date, latest first: 320 -> 180 ms).
            found = selectors.numbers_within_their_year(queryset, term)
            if found is not None:
                return found, False
        return selectors.search_cases(queryset, term), False

    # A block of numbers (PD-2025-01: 010000 to 019999) is sorted once found, its relations read
    # for the page's rows only, as on the front list (selectors.case_list): 0.29 s -> ~60 ms for the supervisor.

    def list_ordering(self, request, ordering, queryset):
        return ordering_for_search(request, ordering)

    def get_list_select_related(self, request):
        return () if searches_a_block_of_numbers(request) else self.list_select_related

    def page_rows(self, rows):
        # Not joined (a block of numbers): the page's powers and handlers, a query each.
        return rows if rows.query.select_related else rows.prefetch_related("power", "handler__department")

    # Permissions: processing staff correct intake data; nobody deletes; states move by services.

    def has_add_permission(self, request):
        return request.user.has_perm("approvals.process_case")

    def has_change_permission(self, request, obj=None):
        if not (request.user.has_perm("approvals.process_case")
                or request.user.has_perm("approvals.change_approvalcase")):
            return False
        return obj is None or (obj.state in INTAKE_STATES and may_touch_district(request.user, obj.district_id))

    def has_delete_permission(self, request, obj=None):
        return False  # cases are withdrawn or closed, never deleted

    def has_assign_permission(self, request):
        return request.user.has_perm("approvals.assign_case")

    def get_readonly_fields(self, request, obj=None):
        fields = [f.name for f in ApprovalCase._meta.concrete_fields if f.name != "id"]
        readonly = [*fields, *self.DISPLAY_FIELDS]
        if obj is not None and self.has_change_permission(request, obj):
            readonly = [f for f in readonly if f not in EDITABLE_DURING_INTAKE]
        return readonly

    # Personal data (approvals.personal_data): the full phone only to those who handle the case, each
    # view of it audited; anyone else who may open the case reads it masked.

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or sees_personal_data(request.user, obj):
            return fieldsets
        return [(name, {**options, "fields": tuple("applicant_phone_masked" if f == "applicant_phone" else f
                                                   for f in options["fields"])})
                for name, options in fieldsets]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        case = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and response.status_code == 200 and case is not None \
                and sees_personal_data(request.user, case):
            record_personal_data_view(request.user, case)
        return response

    @admin.display(description=gettext_lazy("contact phone"))
    def applicant_phone_masked(self, obj):
        return mask_phone(obj.applicant_phone)

    def get_export_queryset(self, request):
        # Only the columns an export writes (ApprovalCaseResource's attributes) and the names of the
        # rows it joins: building each case with its seven related rows whole was a sixth of a
        # background export's time (issue 12).
        return (super().get_export_queryset(request).select_related(None)
                .select_related("power__agency", "district", "handler", "first_contact", "received_hall")
                .only(*ApprovalCaseResource.exported_attributes()))

    # Columns and read-only displays.

    @admin.display(description=gettext_lazy("delegated power"), ordering="power__number")
    def power_short(self, obj):
        return _power_cell(obj.power.number, obj.power.name)

    @admin.display(description=gettext_lazy("due state"))
    def due_state(self, obj):
        return self.due_state_writer()(obj)

    def due_state_writer(self):
        # The list's column (policyops.admin_list) asks once a page: today read once, not once a row.
        today = timezone.localdate()
        return lambda obj: due_badge(selectors.case_due_state(obj, today))

    @admin.display(description=gettext_lazy("due state"))
    def due_badge(self, obj):
        return self.due_state(obj)

    @admin.display(description=gettext_lazy("clock"))
    def clock_summary(self, obj):
        clock = selectors.case_clock_summary(obj, timezone.localdate())
        rows = [
            (_("correction notice due"), clock["correction_due_on"] or "—"),
            (_("legal due date"), clock["legal_due_on"] or "—"),
            (_("promised due date"), clock["promised_due_on"] or "—"),
            (_("licence due"), clock["licence_due_on"] or "—"),
            (_("governing due date"), clock["due_on"] or "—"),
            (_("working days paused"), clock["days_paused"]),
            (_("working days left"), "—" if clock["days_left"] is None else clock["days_left"]),
        ]
        if clock["provisional"]:
            rows.append((_("provisional"), _("The due date lies in a year whose official holiday calendar is not "
                                             "known yet.")))
        return format_html('<table class="approvals-clock"><tbody>{}</tbody></table>',
                           format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj, "approvals-audit")

    # Next steps: policyops.workflow offers them (approvals.actions); assigning is no transition.

    workflow_css = ("approvals/approvals.css",)

    def workflow_head(self, request, obj):
        return [(_("case number"), obj.number), (_("delegated power"), obj.power),
                (_("applicant"), obj.applicant_name),
                (_("state"), format_html("{} {}", obj.get_state_display(),
                                         due_badge(selectors.case_due_state(obj, self.workflow_as_of(request))))),
                (_("due"), obj.due_on or "—")]

    def extra_workflow_buttons(self, request, obj):
        if obj.is_open and self.has_assign_permission(request) and may_touch_district(request.user, obj.district_id):
            return [{"name": "assign", "label": _("Assign the handler…"), "ready": True, "reason": "",
                     "url": reverse("admin:approvals_approvalcase_changelist"),
                     "hidden": selected_action_inputs("assign_handler", obj.pk)}]
        return []

    # Registration goes through the service, never through a model form.

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = approval_forms.CaseRegisterForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                case = services.case_register(acting_user=request.user, **form.service_kwargs())
            except PolicyOpsError as exc:
                field = {"materials": "materials_provided"}.get(exc.field, exc.field)
                form.add_error(field if field in form.fields else None, str(exc))
            else:
                self.message_user(request, _("Case %(number)s registered.") % {"number": case.number},
                                  messages.SUCCESS)
                return redirect("admin:approvals_approvalcase_change", case.pk)
        return form_page(self, request, form=form, title=_("Register an application"), submit_label=_("Register"),
                         cancel_url=reverse("admin:approvals_approvalcase_changelist"))

    @admin.action(description=gettext_lazy("Assign a handler to the selected cases…"), permissions=["assign"])
    def assign_handler(self, request, queryset):
        cases = list(queryset.select_related("handler"))
        changelist = reverse("admin:approvals_approvalcase_changelist")
        districts = {case.district_id for case in cases}
        if len(districts) != 1:
            self.message_user(request, _("Select cases of one district: the handler must work there."),
                              messages.ERROR)
            return None
        form = approval_forms.AssignHandlerForm(request.POST if "apply" in request.POST else None,
                                                district_id=districts.pop())
        if form.is_bound and form.is_valid():
            try:
                changed = services.case_assign(cases=cases, handler=form.cleaned_data["handler"],
                                               acting_user=request.user)
            except PolicyOpsError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, _("%(count)s case(s) assigned to %(person)s.")
                                  % {"count": changed, "person": form.cleaned_data["handler"]}, messages.SUCCESS)
            return redirect(changelist) if len(cases) > 1 else redirect(
                "admin:approvals_approvalcase_change", cases[0].pk)
        return form_page(self, request, form=form, title=_("Assign a handler"), objects=cases,
                         hidden=[("action", "assign_handler"), ("apply", "1"),
                                 *[("_selected_action", str(case.pk)) for case in cases]],
                         submit_label=_("Assign"), cancel_url=changelist)
