"""Admin of delegated approvals: powers, entrustments, seals and the case workflow.

States are never saved from a form: every state field is read-only here and every change
of state goes through approvals.services (which checks, audits and issues the notices).
"""
from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Subquery
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats import base_formats

from approvals import forms as approval_forms
from approvals import rules, selectors, services
from approvals.models import (
    ApprovalCase,
    ApprovalSeal,
    CaseMaterial,
    CaseNotice,
    CaseSuspension,
    DelegatedPower,
    Entrustment,
    SealUse,
)
from approvals.resources import ApprovalCaseResource, DelegatedPowerResource
from approvals.views import due_badge
from policyops.admin_base import HistoryAdmin, ReadOnlyAdminMixin, audit_trail_html
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.calendar import add_working_days
from policyops.errors import ConditionFailed, IllegalTransition, NotAllowed, PolicyOpsError
from policyops.models import Department, PolicyDocument
from policyops.scoping import may_touch_district, sees_all_districts, user_district_id
from policyops.transitions import check_transition

# The decree whose publication starts the 30 days for signing (002:31).
DECREE_NUMBER = "青岛市人民政府令第264号"

FORM_PAGE_TEMPLATE = "admin/approvals/form_page.html"


class ApprovalsMedia:
    css = {"all": ["approvals/approvals.css"]}


# --- Shared pieces ----------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionOption:
    name: str
    label: str
    ready: bool
    reason: str = ""


# Conditions that never change for a case (the kind of power): a transition they block is not shown.
STRUCTURAL_CONDITIONS = frozenset({"is_preliminary_review", "not_preliminary_review"})


def transition_options(obj, specs, *, user) -> list[TransitionOption]:
    """The transitions ``user`` may run on ``obj`` from its state: ready, or blocked with the reason.

    ``specs``: (method name, label, conditions the transition's form supplies). A transition
    whose only unmet conditions are ones the form asks for (a reason, a licence number…)
    is ready: its form page collects them. One that can never run for this object is left out.
    """
    options = []
    for name, label, inputs in specs:
        try:
            check_transition(obj, name, acting_user=user, condition_messages=services.GUARD_MESSAGES)
        except (IllegalTransition, NotAllowed):
            continue
        except ConditionFailed:
            meta = getattr(obj, name)._django_fsm
            conditions = meta.get_transition(meta.field.get_state(obj)).conditions
            unmet = [c.__name__ for c in conditions if c.__name__ not in inputs and not c(obj)]
            if STRUCTURAL_CONDITIONS.intersection(unmet):
                continue
            if unmet:
                reason = "；".join(str(services.GUARD_MESSAGES.get(n, n)) for n in unmet)
                options.append(TransitionOption(name, str(label), False, reason))
                continue
        options.append(TransitionOption(name, str(label), True))
    return options


def selected_action_inputs(action, pk):
    """Hidden inputs that open a changelist action's intermediate page for one object."""
    return [("action", action), ("_selected_action", str(pk))]


# --- Delegated powers -------------------------------------------------------------------

SCOPE_RULE_LABELS = {
    rules.ScopeRule.NONE: "—",
    rules.ScopeRule.PRIVATE_HIGH_OR_VOCATIONAL_SCHOOL: gettext_lazy(
        "private general high schools and secondary vocational schools only"),
    rules.ScopeRule.NOT_TERTIARY_PRACTITIONER: gettext_lazy("not for practitioners in tertiary institutions"),
    rules.ScopeRule.NOT_TERTIARY_HOSPITAL: gettext_lazy("not for tertiary medical institutions"),
}


@admin.register(DelegatedPower)
class DelegatedPowerAdmin(ImportExportMixin, HistoryAdmin):
    resource_classes = [DelegatedPowerResource]
    list_display = ("number", "item", "sub_item", "agency", "legal_limit_days", "promised_limit_days",
                    "preliminary_review", "scope_rule_display")
    list_display_links = ("number", "item")
    list_filter = ("agency",)
    search_fields = ("name", "remark")
    list_select_related = ("agency",)
    list_per_page = 50

    @admin.display(description=gettext_lazy("preliminary review (初审)"), boolean=True)
    def preliminary_review(self, obj):
        return obj.is_preliminary_review

    @admin.display(description=gettext_lazy("scope rule"))
    def scope_rule_display(self, obj):
        label = SCOPE_RULE_LABELS.get(obj.scope_rule, obj.scope_rule)
        if obj.remark:
            return format_html('<span title="{}">{}</span>', obj.remark, label)
        return label

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("approvals.set_promised_limit"):
            readonly.append("promised_limit_days")
        return readonly


# --- Entrustments and seals ---------------------------------------------------------------


class ImpressionInput(forms.ClearableFileInput):
    """Upload only: the stored image is shown through the login-only view, never by its media URL."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"accept": "image/png,image/jpeg", **(attrs or {})})

    def is_initial(self, value):
        return False


def impression_html(seal):
    if not seal or not seal.pk or not seal.impression:
        return "—"
    return format_html('<img class="seal-impression-thumb" src="{}" alt="{}">',
                       reverse("approvals:seal_impression", args=[seal.pk]), seal.name)


class ApprovalSealInline(admin.TabularInline):
    model = ApprovalSeal
    extra = 0
    fields = ("name", "impression", "impression_preview", "issued_on", "recovered_on")
    readonly_fields = ("impression_preview",)
    formfield_overrides = {models.FileField: {"widget": ImpressionInput}}

    @admin.display(description=gettext_lazy("impression"))
    def impression_preview(self, obj):
        return impression_html(obj)


ENTRUSTMENT_TRANSITIONS = [
    ("sign", gettext_lazy("Sign"), ()),
    ("file", gettext_lazy("Record the filing"), ()),
    ("bring_into_force", gettext_lazy("Bring into force"), ()),
    ("suspend", gettext_lazy("Suspend"), ()),
    ("reinstate", gettext_lazy("Reinstate"), ()),
    ("expire", gettext_lazy("Mark as expired"), ()),
]
ENTRUSTMENT_REVOKE = ("revoke", gettext_lazy("Revoke…"), ("_has_revocation_reason",))
CONTENT_FIELDS = ("agency", "authority", "powers", "entrusted_content", "management_requirements", "workflow",
                  "period_start", "period_end", "legal_liability", "signed_on")
FILING_FIELDS = ("filed_with_reform_office_on", "filed_with_legal_office_on")


class EntrustmentTransitionAction:
    """A changelist action running one entrustment transition per selected row, reporting refusals."""

    allowed_permissions = ("manage",)

    def __init__(self, action, description):
        self.action = action
        self.short_description = description
        self.__name__ = f"entrustment_{action}"

    def __call__(self, modeladmin, request, queryset):
        done = 0
        for entrustment in queryset:
            try:
                services.entrustment_transition(entrustment=entrustment, action=self.action,
                                                acting_user=request.user)
                done += 1
            except PolicyOpsError as exc:
                modeladmin.message_user(request, f"{entrustment}: {exc}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(count)s entrustment(s) updated.") % {"count": done},
                                    messages.SUCCESS)


class EntrustmentAdminForm(forms.ModelForm):
    class Meta:
        model = Entrustment
        fields = "__all__"

    def clean(self):
        data = super().clean()
        agency, powers = data.get("agency") or getattr(self.instance, "agency", None), data.get("powers")
        if agency is not None and powers is not None:
            foreign = [p for p in powers if p.agency_id != agency.pk]
            if foreign:
                self.add_error("powers", _("These powers belong to another agency: %(powers)s")
                               % {"powers": "、".join(str(p.number) for p in foreign)})
        return data


@admin.register(Entrustment)
class EntrustmentAdmin(HistoryAdmin):
    form = EntrustmentAdminForm
    list_display = ("agency", "authority", "state", "period", "signed_on_display", "signing_deadline")
    list_display_links = ("agency",)
    list_filter = ("state", "agency")
    list_select_related = ("agency", "authority")
    filter_horizontal = ("powers",)
    inlines = [ApprovalSealInline]
    actions = [EntrustmentTransitionAction(name, label) for name, label, _inputs in ENTRUSTMENT_TRANSITIONS] + [
        "revoke_entrustments"]
    fieldsets = [
        (None, {"fields": ("agency", "authority", "powers", "state")}),
        (gettext_lazy("Contents of the agreement"), {"fields": (
            "entrusted_content", "management_requirements", "workflow", "period_start", "period_end",
            "legal_liability")}),
        (gettext_lazy("Signing and filing"), {"fields": (
            "signed_on", "signing_deadline", "filed_with_reform_office_on", "filed_with_legal_office_on")}),
        (gettext_lazy("Revocation"), {"fields": ("revocation_reason", "revocation_note")}),
        (gettext_lazy("Audit trail"), {"fields": ("audit_trail",)}),
    ]
    Media = ApprovalsMedia

    def get_queryset(self, request):
        decree = PolicyDocument.objects.filter(number=DECREE_NUMBER).values("published_on")[:1]
        return super().get_queryset(request).annotate(decree_published_on=Subquery(decree))

    def has_manage_permission(self, request):
        return request.user.has_perm("approvals.manage_entrustment")

    def has_delete_permission(self, request, obj=None):
        return False  # an agreement is revoked or expires; its record stays

    def get_readonly_fields(self, request, obj=None):
        readonly = ["state", "revocation_reason", "revocation_note", "signing_deadline", "audit_trail"]
        if obj is not None and obj.state != Entrustment.State.DRAFT:
            readonly += CONTENT_FIELDS  # a signed agreement is not rewritten; a new one is signed
            if obj.state != Entrustment.State.SIGNED:
                readonly += FILING_FIELDS
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._approvals_entrustment = obj
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = Department.objects.filter(delegated_powers__isnull=False).distinct()
        elif db_field.name == "authority":
            kwargs["queryset"] = Department.objects.filter(kind=Department.Kind.APPROVAL_AUTHORITY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "powers":
            obj = getattr(request, "_approvals_entrustment", None)
            powers = DelegatedPower.objects.order_by("number")
            kwargs["queryset"] = powers.filter(agency_id=obj.agency_id) if obj is not None else powers
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Columns.

    @admin.display(description=gettext_lazy("implementation period"))
    def period(self, obj):
        if not (obj.period_start or obj.period_end):
            return "—"
        return f"{obj.period_start or '…'} – {obj.period_end or '…'}"

    def _deadline(self, obj):
        published = getattr(obj, "decree_published_on", None)
        return rules.entrustment_signing_deadline(published) if published else None

    @admin.display(description=gettext_lazy("signing deadline (30 days after the decree)"))
    def signing_deadline(self, obj):
        deadline = self._deadline(obj)
        return deadline or "—"

    @admin.display(description=gettext_lazy("signed on"), ordering="signed_on")
    def signed_on_display(self, obj):
        if not obj.signed_on:
            return "—"
        deadline = self._deadline(obj)
        if deadline and obj.signed_on > deadline:
            return format_html('{} <span class="due-badge due-overdue">{}</span>', obj.signed_on, _("signed late"))
        return obj.signed_on

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj, "approvals-audit")

    # Transitions.

    def get_urls(self):
        return [
            path("<path:object_id>/transition/<str:action>/", self.admin_site.admin_view(self.transition_view),
                 name="approvals_entrustment_transition"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            changelist = reverse("admin:approvals_entrustment_changelist")
            buttons = []
            for option in transition_options(obj, [*ENTRUSTMENT_TRANSITIONS, ENTRUSTMENT_REVOKE],
                                             user=request.user):
                if option.name == "revoke":
                    buttons.append({"option": option, "url": changelist,
                                    "hidden": selected_action_inputs("revoke_entrustments", obj.pk)})
                else:
                    buttons.append({"option": option, "hidden": [], "url": reverse(
                        "admin:approvals_entrustment_transition", args=[obj.pk, option.name])})
            extra_context["transition_buttons"] = buttons
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if action not in {name for name, _label, _inputs in ENTRUSTMENT_TRANSITIONS}:
            raise Http404
        entrustment = self.get_object(request, unquote(object_id))
        if entrustment is None:
            raise Http404
        try:
            services.entrustment_transition(entrustment=entrustment, action=action, acting_user=request.user)
        except PolicyOpsError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, _("%(obj)s: now “%(state)s”.")
                              % {"obj": entrustment, "state": entrustment.get_state_display()}, messages.SUCCESS)
        return redirect("admin:approvals_entrustment_change", entrustment.pk)

    @admin.action(description=gettext_lazy("Revoke the selected entrustments (recovers their seals)…"),
                  permissions=["manage"])
    def revoke_entrustments(self, request, queryset):
        form = approval_forms.RevokeEntrustmentForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for entrustment in queryset:
                try:
                    services.entrustment_revoke(entrustment=entrustment, acting_user=request.user,
                                                reason=form.cleaned_data["reason"],
                                                details=form.cleaned_data["details"], as_of=timezone.localdate())
                    done += 1
                except PolicyOpsError as exc:
                    self.message_user(request, f"{entrustment}: {exc}", messages.ERROR)
            if done:
                self.message_user(request, _("%(count)s entrustment(s) revoked; their seals are recovered.")
                                  % {"count": done}, messages.SUCCESS)
            return None
        return TemplateResponse(request, FORM_PAGE_TEMPLATE, {
            **self.admin_site.each_context(request), "opts": self.opts, "form": form,
            "title": _("Revoke entrustments"), "objects": list(queryset),
            "intro": _("Revoking withdraws the entrusted powers and recovers the special approval seals "
                       "today (decree 第264号). Decisions on these powers are refused from now on."),
            "hidden": [("action", "revoke_entrustments"), ("apply", "1"),
                       *[("_selected_action", str(obj.pk)) for obj in queryset]],
            "submit_label": _("Revoke"), "cancel_url": reverse("admin:approvals_entrustment_changelist"),
        })


class ApprovalSealForm(forms.ModelForm):
    class Meta:
        model = ApprovalSeal
        fields = "__all__"
        widgets = {"impression": ImpressionInput}


@admin.register(ApprovalSeal)
class ApprovalSealAdmin(HistoryAdmin):
    form = ApprovalSealForm
    list_display = ("name", "entrustment", "issued_on", "recovered_on", "in_use", "impression_preview")
    list_filter = ("entrustment__agency",)
    search_fields = ("name",)
    list_select_related = ("entrustment", "entrustment__agency", "entrustment__authority")
    readonly_fields = ("impression_preview",)
    Media = ApprovalsMedia

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "entrustment":
            kwargs["queryset"] = Entrustment.objects.select_related("agency", "authority")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # recovered, never deleted: its uses stay on record

    @admin.display(description=gettext_lazy("issued today"), boolean=True)
    def in_use(self, obj):
        return obj.is_issued_on(timezone.localdate())

    @admin.display(description=gettext_lazy("impression"))
    def impression_preview(self, obj):
        return impression_html(obj)


@admin.register(SealUse)
class SealUseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the services log every use of a seal."""

    list_display = ("used_on", "seal", "case", "action", "used_by")
    list_filter = ("action", "seal")
    search_fields = ("case__number", "seal__name")
    list_select_related = ("seal", "case", "used_by")
    date_hierarchy = "used_on"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if sees_all_districts(request.user):
            return qs
        return qs.filter(case__district_id=user_district_id(request.user)) if user_district_id(
            request.user) else qs.none()


# --- Cases --------------------------------------------------------------------------------

S = ApprovalCase.State
INTAKE_STATES = (S.SUBMITTED, S.CORRECTION_REQUESTED, S.RESUBMITTED)
# What a clerk may still correct by hand while the application is at the counter.
EDITABLE_DURING_INTAKE = ("applicant_name", "applicant_type", "applicant_phone", "school_type", "hospital_grade",
                          "inside_pingdu")


@dataclass(frozen=True)
class CaseTransition:
    label: str
    form: type
    service: object
    inputs: tuple = ()


CASE_TRANSITIONS = {
    "request_correction": CaseTransition(gettext_lazy("Request a correction"), approval_forms.CorrectionForm,
                                         services.case_request_correction, ("has_missing_materials",)),
    "resubmit": CaseTransition(gettext_lazy("Record the resubmission"), approval_forms.ResubmitForm,
                               services.case_resubmit),
    "accept": CaseTransition(gettext_lazy("Accept"), approval_forms.ConfirmForm, services.case_accept),
    "refuse": CaseTransition(gettext_lazy("Do not accept"), approval_forms.RefuseForm, services.case_refuse,
                             ("has_refusal_reason",)),
    "start_review": CaseTransition(gettext_lazy("Start the review"), approval_forms.ConfirmForm,
                                   services.case_start_review),
    "pause": CaseTransition(gettext_lazy("Pause the clock"), approval_forms.PauseForm, services.case_pause),
    "resume": CaseTransition(gettext_lazy("Resume the clock"), approval_forms.ConfirmForm, services.case_resume),
    "extend": CaseTransition(gettext_lazy("Extend the time limit"), approval_forms.ExtendForm,
                             services.case_extend),
    "approve": CaseTransition(gettext_lazy("Approve"), approval_forms.ApproveForm, services.case_approve),
    "deny": CaseTransition(gettext_lazy("Deny"), approval_forms.DenyForm, services.case_deny,
                           ("has_decision_reason",)),
    "issue_licence": CaseTransition(gettext_lazy("Issue the licence"), approval_forms.LicenceForm,
                                    services.case_issue_licence, ("has_licence_number",)),
    "forward": CaseTransition(gettext_lazy("Forward to the deciding authority"), approval_forms.ApproveForm,
                              services.case_forward),
    "record_superior_decision": CaseTransition(gettext_lazy("Record the deciding authority's decision"),
                                               approval_forms.SuperiorDecisionForm,
                                               services.case_record_superior_decision, ("has_superior_decision",)),
    "withdraw": CaseTransition(gettext_lazy("Withdraw"), approval_forms.ReasonForm, services.case_withdraw),
}


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
        return queryset


class _CaseInlinePermissions:
    def _editable(self, request, obj):
        return (obj is not None and obj.state in INTAKE_STATES
                and request.user.has_perm("approvals.process_case") and may_touch_district(request.user,
                                                                                           obj.district_id))


class CaseMaterialInline(_CaseInlinePermissions, admin.TabularInline):
    model = CaseMaterial
    extra = 0
    fields = ("name", "provided", "note")

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
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


@admin.register(ApprovalCase)
class ApprovalCaseAdmin(DistrictScopedAdminMixin, ExportMixin, HistoryAdmin):
    resource_classes = [ApprovalCaseResource]
    export_formats = [base_formats.XLSX]
    list_display = ("number", "power_short", "applicant_name", "state", "handler", "received_on", "due_on",
                    "due_state")
    list_filter = (("power__agency", admin.RelatedOnlyFieldListFilter),
                   ("power", admin.RelatedOnlyFieldListFilter), "state",
                   ("district", admin.RelatedOnlyFieldListFilter), DueFilter)
    search_fields = ("number", "applicant_name")
    list_select_related = ("power", "power__agency", "district", "handler", "handler__department")
    list_per_page = 50
    actions = ["assign_handler"]
    inlines = [CaseMaterialInline, CaseSuspensionInline, CaseNoticeInline]
    fieldsets = [
        (gettext_lazy("Application"), {"fields": (
            "number", "power", "district", "applicant_name", "applicant_type", "applicant_phone", "school_type",
            "hospital_grade", "inside_pingdu")}),
        (gettext_lazy("Reception and handling"), {"fields": (
            "received_hall", "received_on", "first_contact", "handler", "created_at")}),
        (gettext_lazy("State and clock"), {"fields": (
            "state", "due_badge", "clock_summary", "accepted_on", "deemed_accepted", "extended", "approved_on")}),
        (gettext_lazy("Outcome"), {"fields": (
            "refusal_reason", "refer_to", "decision_reason", "licence_number", "superior_decision",
            "superior_document")}),
        (gettext_lazy("Audit trail"), {"fields": ("audit_trail",)}),
    ]
    DISPLAY_FIELDS = ("due_badge", "clock_summary", "audit_trail")
    Media = ApprovalsMedia

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

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related(
            "power__agency", "district", "handler", "first_contact", "received_hall")

    # Columns and read-only displays.

    @admin.display(description=gettext_lazy("delegated power"), ordering="power__number")
    def power_short(self, obj):
        name = obj.power.name
        short = name if len(name) <= 24 else name[:24] + "…"
        return format_html('<span title="{}">{}. {}</span>', name, obj.power.number, short)

    @admin.display(description=gettext_lazy("due state"))
    def due_state(self, obj):
        return due_badge(selectors.case_due_state(obj, timezone.localdate()))

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
        return format_html('<table class="approvals-clock"><tbody>{}</tbody></table>',
                           format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj, "approvals-audit")

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
        return TemplateResponse(request, FORM_PAGE_TEMPLATE, {
            **self.admin_site.each_context(request), "opts": self.opts, "form": form,
            "title": _("Register an application"), "submit_label": _("Register"),
            "cancel_url": reverse("admin:approvals_approvalcase_changelist"),
        })

    # Transitions: one button per transition the user may run now, each to its form page.

    def get_urls(self):
        return [
            path("<path:object_id>/transition/<str:name>/", self.admin_site.admin_view(self.transition_view),
                 name="approvals_approvalcase_transition"),
            *super().get_urls(),
        ]

    def transition_buttons(self, request, case):
        case.as_of = timezone.localdate()
        specs = [(name, t.label, t.inputs) for name, t in CASE_TRANSITIONS.items()]
        buttons = [{"option": option, "hidden": [],
                    "url": reverse("admin:approvals_approvalcase_transition", args=[case.pk, option.name])}
                   for option in transition_options(case, specs, user=request.user)]
        if case.is_open and self.has_assign_permission(request) and may_touch_district(request.user,
                                                                                         case.district_id):
            changelist = reverse("admin:approvals_approvalcase_changelist")
            buttons.append({"option": TransitionOption("assign", _("Assign the handler…"), True), "url": changelist,
                            "hidden": selected_action_inputs("assign_handler", case.pk)})
        return buttons

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        case = self.get_object(request, unquote(object_id))
        if case is not None:
            extra_context["transition_buttons"] = self.transition_buttons(request, case)
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request, object_id, name):
        transition = CASE_TRANSITIONS.get(name)
        case = self.get_object(request, unquote(object_id))
        if transition is None or case is None:
            raise Http404
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        change_url = reverse("admin:approvals_approvalcase_change", args=[case.pk])
        if request.method == "POST" and "_confirm" in request.POST:
            form = transition.form(request.POST, case=case)
            if form.is_valid():
                try:
                    transition.service(case=case, acting_user=request.user, as_of=timezone.localdate(),
                                       **form.service_kwargs())
                except PolicyOpsError as exc:
                    if exc.field in form.fields:
                        form.add_error(exc.field, str(exc))
                    else:
                        self.message_user(request, str(exc), messages.ERROR)
                        return redirect(change_url)
                else:
                    self.message_user(request, _("%(case)s: “%(action)s” done; the case is now “%(state)s”.")
                                      % {"case": case.number, "action": transition.label,
                                         "state": case.get_state_display()}, messages.SUCCESS)
                    return redirect(change_url)
        else:
            form = transition.form(case=case)
        return TemplateResponse(request, FORM_PAGE_TEMPLATE, {
            **self.admin_site.each_context(request), "opts": self.opts, "original": case, "form": form,
            "title": f"{case.number}: {transition.label}", "case": case,
            "case_due": due_badge(selectors.case_due_state(case, timezone.localdate())),
            "hidden": [("_confirm", "1")], "submit_label": transition.label, "cancel_url": change_url,
        })

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
        return TemplateResponse(request, FORM_PAGE_TEMPLATE, {
            **self.admin_site.each_context(request), "opts": self.opts, "form": form,
            "title": _("Assign a handler"), "objects": cases,
            "hidden": [("action", "assign_handler"), ("apply", "1"),
                       *[("_selected_action", str(case.pk)) for case in cases]],
            "submit_label": _("Assign"), "cancel_url": changelist,
        })
