"""Admin side of district scoping: lists, forms and saves limited to the user's district."""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from policyops.models import District
from policyops.scoping import may_touch_district, sees_all_districts, user_district_id


def _district_id_of(obj):
    """Follow the model's ``district_lookup`` (e.g. ``lead_unit__district``) to a district id."""
    value = obj
    for part in obj.district_lookup.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value.pk


class DistrictScopedAdminMixin:
    """For ModelAdmins of models that declare ``district_lookup``."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is District and not sees_all_districts(request.user):
            kwargs["queryset"] = District.objects.filter(pk=user_district_id(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not may_touch_district(request.user, _district_id_of(obj)):
            raise PermissionDenied(_("You may only change records of your own district."))
        super().save_model(request, obj, form, change)
