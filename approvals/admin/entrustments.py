"""Admin of entrustment agreements, their special approval seals and the seal-use log."""
from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import forms as approval_forms
from approvals import rules, selectors
from approvals.actions import ENTRUSTMENT_ACTIONS
from approvals.admin.common import ApprovalsMedia, ordering_for_search, searches_a_block_of_numbers
from approvals.models import (
    ApprovalCase,
    ApprovalSeal,
    AuthorityHead,
    DelegatedPower,
    Entrustment,
    SealUse,
)
from policyops import timeline, workflow
from policyops.admin_base import HistoryAdmin, LabelledTabularInline, ReadOnlyAdminMixin, audit_trail_html
from policyops.admin_list import PrecomputedResultListMixin
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.admin_workflow import WorkflowAdminMixin, form_page, workflow_bulk_action
from policyops.errors import PolicyOpsError
from policyops.models import Department, PolicyDocument
from policyops.pagination import COUNT_CAP, CappedInListOrderPaginator, CappedPaginator
from policyops.search_indexes import narrowed_to_ids

CONTENT_FIELDS = ("agency", "authority", "powers", "entrusted_content", "management_requirements", "workflow",
                  "period_start", "period_end", "legal_liability", "signed_on")
FILING_FIELDS = ("filed_with_reform_office_on", "filed_with_legal_office_on")


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


class ApprovalSealInline(LabelledTabularInline):
    model = ApprovalSeal
    extra = 0
    fields = ("name", "impression", "impression_preview", "issued_on", "recovered_on")
    # A seal is recovered only by revoking its entrustment (entrustment_revoke, audited).
    readonly_fields = ("impression_preview", "recovered_on")
    formfield_overrides = {models.FileField: {"widget": ImpressionInput}}

    @admin.display(description=gettext_lazy("impression"))
    def impression_preview(self, obj):
        return impression_html(obj)


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
        return data  # pragma: no mutate — None reads the same: Django keeps the form's cleaned_data then


@admin.register(Entrustment)
class EntrustmentAdmin(WorkflowAdminMixin, HistoryAdmin):
    form = EntrustmentAdminForm
    list_display = ("agency", "authority", "state", "period", "signed_on_display", "signing_deadline")
    list_display_links = ("agency",)
    list_filter = ("state", "agency")
    list_select_related = ("agency", "authority")
    filter_horizontal = ("powers",)
    inlines = [ApprovalSealInline]
    actions = [workflow_bulk_action(a.name, a.label, permissions=("manage",)) for a in ENTRUSTMENT_ACTIONS
               if a.form is None] + ["revoke_entrustments"]
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
        decree = PolicyDocument.objects.filter(number=rules.DECREE_NUMBER).values("published_on")
        decree = decree[:1]  # pragma: no mutate — a number is unique (policydocument_unique_number): [:2] alike
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

    @admin.action(description=gettext_lazy("Revoke the selected entrustments (recovers their seals)…"),
                  permissions=["manage"])
    def revoke_entrustments(self, request, queryset):
        form = approval_forms.RevokeEntrustmentForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for entrustment in queryset:
                try:
                    workflow.perform(entrustment, "revoke", acting_user=request.user,
                                     as_of=self.workflow_as_of(request), **form.cleaned_data)
                    done += 1
                except PolicyOpsError as exc:
                    self.message_user(request, f"{entrustment}: {exc}", messages.ERROR)
            if done:
                self.message_user(request, _("%(count)s entrustment(s) revoked; their seals are recovered.")
                                  % {"count": done}, messages.SUCCESS)
            return None
        return form_page(
            self, request, form=form, title=_("Revoke entrustments"), objects=list(queryset),
            intro=_("Revoking withdraws the entrusted powers and recovers the special approval seals "
                    "today (decree 第264号). Decisions on these powers are refused from now on."),
            hidden=[("action", "revoke_entrustments"), ("apply", "1"),
                    *[("_selected_action", str(obj.pk)) for obj in queryset]],
            submit_label=_("Revoke"), cancel_url=reverse("admin:approvals_entrustment_changelist"))


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
    # A seal is recovered only by revoking its entrustment (entrustment_revoke, audited).
    readonly_fields = ("impression_preview", "recovered_on")
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


class SealUseActionFilter(admin.SimpleListFilter):
    """The case step that used the seal, by its label (the log stores the step's code)."""

    title = gettext_lazy("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        # From the code, not DISTINCT over a log that grows with every decision (issue 12).
        return [(code, timeline.action_label(ApprovalCase, code)) for code in SealUse.STEPS]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(SealUse)
class SealUseAdmin(PrecomputedResultListMixin, DistrictScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the services log every use of a seal — one to three per case, so a list of
    millions (issue 12): dates as ranges (Django's date_hierarchy read the distinct months of
    the whole log on every load), counted up to 1,000, never counted whole."""

    list_display = ("used_on", "seal", "case", "action_label", "used_by")
    # The page of one use: the step by its label, as the list shows it (its code, "forward", showed).
    fields = ("seal", "case", "action_label", "used_on", "used_by")
    readonly_fields = ("action_label",)
    list_filter = (SealUseActionFilter, "seal", ("used_on", admin.DateFieldListFilter))
    search_fields = ("case__number", "seal__name")
    search_help_text = gettext_lazy("Case number (or a part of it), or the seal's text.")
    list_select_related = ("seal", "case", "used_by")
    sortable_by = ("used_on",)  # the order the index gives
    paginator = CappedInListOrderPaginator

    def get_search_results(self, request, queryset, search_term):
        """The uses of the seals whose text holds the term, or of the cases whose number does,
        both found first by their own indexes (the seals are few; the numbers are
        trigram-indexed). Django's OR over the two joined tables used no index: PostgreSQL
        walked the log newest first, joining each use's case and seal, 0.4-0.8 s a search
        at a million cases (issue 12). A term that fixes a year ("PD-2019", "2025-01") reads
        that year's uses by the number each records (0.33 s -> 15 ms for the oldest year); more
        than 1,000 other matching numbers are read from that copy too."""
        term = selectors.normalise_search(search_term)
        if not term:
            return super().get_search_results(request, queryset, search_term)
        seals = list(ApprovalSeal.objects.filter(name__icontains=term)
                     .values_list("pk", flat=True))  # pragma: no mutate — Q(seal__in=) reads a (pk,) as its pk alike
        within_year = selectors.seal_uses_within_their_year(queryset, term)
        if within_year is not None and not seals:  # a year's numbers: that year's uses, newest first
            return super().get_search_results(request, within_year, "")
        found = Q(seal__in=seals)
        number = selectors.case_number_contains(term)
        if number is not None:
            cases = narrowed_to_ids(ApprovalCase.objects.all(), number, COUNT_CAP)
            # Past the cap, the log's own copy of the numbers, not a join to every case ("2019": 0.43 -> 0.14 s).
            found |= (Q(case__in=cases) if cases is not None
                      else selectors.case_number_contains(term, field="case_number"))
        # The rows come from the scoped queryset; the mixin then leaves them as they are.
        return super().get_search_results(request, queryset.filter(found), "")

    def list_ordering(self, request, ordering, queryset):
        return ordering_for_search(request, ordering)  # a block of numbers' uses (PD-2025-01), as the case lists

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # A block of numbers' uses are sorted apart (list_ordering): counted in that order too,
        # PostgreSQL sorted every match only to count them (~20 ms of a 0.1 s page at a million cases).
        paginator = CappedPaginator if searches_a_block_of_numbers(request) else self.paginator
        return paginator(queryset, per_page, orphans, allow_empty_first_page)

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_label(self, obj):
        return obj.step_label()


@admin.register(AuthorityHead)
class AuthorityHeadAdmin(HistoryAdmin):
    """Who heads each approval authority (Art. 42: only the head extends a time limit).

    Naming the head grants the extension, so only a superuser changes it; supervisors and
    directors see it.
    """

    list_display = ("authority", "person")
    list_select_related = ("authority", "person")
    raw_id_fields = ("person",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "authority":
            kwargs["queryset"] = Department.objects.filter(kind=Department.Kind.APPROVAL_AUTHORITY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
