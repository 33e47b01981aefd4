"""Admin of the 49 delegated powers (annex of decree 第264号)."""
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from approvals import rules
from approvals.models import DelegatedPower, PowerMaterial
from approvals.resources import DelegatedPowerResource
from policyops.admin_base import HistoryAdmin, LabelledTabularInline, UniqueRowsInlineFormSet
from policyops.admin_import import ImportExportMixin

SCOPE_RULE_LABELS = {
    rules.ScopeRule.NONE: "—",
    rules.ScopeRule.PRIVATE_HIGH_OR_VOCATIONAL_SCHOOL: gettext_lazy(
        "private general high schools and secondary vocational schools only"),
    rules.ScopeRule.NOT_TERTIARY_PRACTITIONER: gettext_lazy("not for practitioners in tertiary institutions"),
    rules.ScopeRule.NOT_TERTIARY_HOSPITAL: gettext_lazy("not for tertiary medical institutions"),
}


class PowerMaterialFormSet(UniqueRowsInlineFormSet):
    distinct_fields = ("name",)  # powermaterial_unique_name: a material once per power


class PowerMaterialInline(LabelledTabularInline):
    """The power's materials checklist: whoever may change the power edits it (supervisors)."""

    model = PowerMaterial
    formset = PowerMaterialFormSet
    extra = 1
    fields = ("order", "name")

    def _may_edit(self, request):
        return request.user.has_perm("approvals.change_delegatedpower")

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("approvals.view_delegatedpower")


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
    inlines = [PowerMaterialInline]

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


