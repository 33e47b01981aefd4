"""Admin of the hall-duty set-up: hall settings (with the kiosk link), directors, unavailable dates."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policyops.admin_base import AuditedAdminMixin, HistoryAdmin
from policyops.admin_list import RelatedFirstSearchMixin
from policyops.admin_scoping import DistrictScopedAdminMixin
from programs.halls import codes, rules, services
from programs.halls.admin.common import MANAGE_ROTA
from programs.halls.models import Director, HallSettings, Unavailability


@admin.register(HallSettings)
class HallSettingsAdmin(DistrictScopedAdminMixin, HistoryAdmin):
    list_display = ("hall", "opens_at", "closes_at", "daily_capacity", "presence_tolerance_minutes", "public_pages")
    list_select_related = ("hall",)
    search_fields = ("hall__name",)
    actions = ["renew_code_secret"]

    def has_manage_rota_permission(self, request):
        return request.user.has_perm(MANAGE_ROTA)

    @admin.action(description=gettext_lazy("Renew the code secret (new codes; the old kiosk links stop working)"),
                  permissions=["manage_rota"])
    def renew_code_secret(self, request, queryset):
        """For a leaked kiosk link: the codes and the kiosk token both derive from the secret."""
        renewed = 0
        with transaction.atomic():
            for hall_settings in queryset.select_related("hall"):
                services.hall_renew_code_secret(hall_settings=hall_settings, acting_user=request.user)
                renewed += 1
        self.message_user(request, _("%(count)s hall(s) have a new code secret; open the new kiosk link on each "
                                     "hall's screen.") % {"count": renewed}, messages.SUCCESS)

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if request.user.has_perm(MANAGE_ROTA):
            shown.append("kiosk_link")
        return shown

    def get_readonly_fields(self, request, obj=None):
        readonly = ["public_pages"]
        if obj is not None:
            readonly.insert(0, "hall")
        if request.user.has_perm(MANAGE_ROTA):
            readonly.append("kiosk_link")  # the code on the hall's screen: supervisors only
        return readonly

    @admin.display(description=gettext_lazy("hall kiosk (rotating sign-in code)"))
    def kiosk_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a><div class="help">{}</div>',
                           reverse("halls:kiosk", args=[codes.kiosk_token(obj)]), _("Open the kiosk screen"),
                           _("Open it only on the hall's own screen: whoever has this link can read the code."))

    @admin.display(description=gettext_lazy("public pages"))
    def public_pages(self, obj):
        if not obj.hall_id:
            return "—"
        today = timezone.localdate()
        links = [(reverse("halls:rota", args=[obj.hall_id, today.year, today.month]), _("rota")),
                 (reverse("halls:rota_print", args=[obj.hall_id, today.year, today.month]), _("printable sign")),
                 (reverse("halls:evaluate", args=[obj.hall_id]), _("evaluation"))]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)


class DirectorAdminForm(forms.ModelForm):
    class Meta:
        model = Director
        fields = ("person", "hall", "partner", "active")

    def clean(self):
        data = super().clean()
        if not data.get("person"):
            data["partner"] = None  # the model's check needs the person; its own error is shown
        return data  # pragma: no mutate  (None reads the same: Django keeps self.cleaned_data, this same dict)


@admin.register(Director)
class DirectorAdmin(DistrictScopedAdminMixin, HistoryAdmin):
    form = DirectorAdminForm
    list_display = ("name", "department", "hall", "partner", "active")
    list_filter = ("hall", "active")
    list_select_related = ("person__department", "hall", "partner__person")
    search_fields = ("person__name", "person__department__name")
    autocomplete_fields = ("person",)

    @admin.display(description=gettext_lazy("name"), ordering="person__name")
    def name(self, obj):
        return obj.person.name

    @admin.display(description=gettext_lazy("department"), ordering="person__department__name")
    def department(self, obj):
        return obj.person.department or "—"

    def get_queryset(self, request):
        # The search (autocomplete) shows each director's name (Director.__str__): the person is
        # joined. The changelist joins list_select_related only to a queryset that joins nothing,
        # so the list's relations are joined here, all of them.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._halls_director = obj
        return super().get_form(request, obj, change=change, **kwargs)

    def get_autocomplete_fields(self, request):
        # A new director's partner is searched among every director the user sees: as a select,
        # a city's 1,000 of them took 90 ms to render (issue 12). A saved director's partner is
        # chosen among the few leaders of the same department (formfield_for_foreignkey).
        if getattr(request, "_halls_director", None) is None:
            return (*self.autocomplete_fields, "partner")
        return self.autocomplete_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partner":
            partners = Director.objects.visible_to(request.user).select_related("person")
            obj = getattr(request, "_halls_director", None)
            if obj is not None:
                # A/B: another leader of the same department (002:1978 协调其他分管同志).
                partners = partners.filter(rules.same_department_q(obj.person)).exclude(pk=obj.pk)
            kwargs["queryset"] = partners.order_by("person__name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Unavailability)
class UnavailabilityAdmin(RelatedFirstSearchMixin, DistrictScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("director", "date", "reason")
    list_filter = ("director__hall",)
    list_select_related = ("director__person",)
    search_fields = ("director__person__name", "reason")
    search_relations_first = ("director",)
    date_hierarchy = "date"
    # Searched, not listed: a select of a city's 1,000 directors took 90 ms to render (issue 12).
    # The choice is checked against the scoped queryset below; the search answers from
    # DirectorAdmin's, scoped the same way.
    autocomplete_fields = ("director",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "director":
            # Scoped by the mixin: the district's directors and the user's own director row.
            kwargs["queryset"] = Director.objects.select_related("person").order_by("person__name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
