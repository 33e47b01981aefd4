"""District scoping: what a clerk or programme manager may see and change.

Supervisors and superusers see every district (permission ``view_all_districts``);
everyone else sees only rows of the district on their Person record, and a user with no
district sees nothing. Querysets enforce it (``visible_to``), the admin builds on that.
"""
from django.db import models

VIEW_ALL_DISTRICTS = "policyops.view_all_districts"


def sees_all_districts(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm(VIEW_ALL_DISTRICTS)))


def user_district_id(user):
    """The district id of the user's Person record, or None."""
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_policyops_district_id", ...)
    if cached is ...:
        person = getattr(user, "person", None) if hasattr(user, "person") else None
        cached = person.district_id if person else None
        user._policyops_district_id = cached
    return cached


class DistrictScopedQuerySet(models.QuerySet):
    """A queryset that knows the lookup from its model to a District.

    The model names it in ``district_lookup`` (e.g. ``"district"`` or
    ``"power__agency__district"``).
    """

    def visible_to(self, user):
        if sees_all_districts(user):
            return self
        district_id = user_district_id(user)
        if district_id is None:
            return self.none()
        return self.filter(**{self.model.district_lookup: district_id})


def may_touch_district(user, district_id) -> bool:
    """Whether the user may create or change a row that belongs to ``district_id``."""
    if sees_all_districts(user):
        return True
    own = user_district_id(user)
    return own is not None and own == district_id
