"""District scoping: what a user may see and change.

Supervisors and superusers see every district (permission ``view_all_districts``);
everyone else sees only rows of the district on their Person record. Querysets enforce
it (``visible_to``), the admin builds on that.

Rows a user owns. A model may name, in ``owner_lookups``, the paths from a row to the
login account it belongs to (a director's own duty shifts: ``director__person__user``).
Its owner sees such a row wherever its district is. So a user with **no district** (a
city-level director) sees only the rows they own, and nothing of a model that names no
owners; a district user sees their district's rows and, besides, their own. This is the
one place that rule is written: ``visible_to`` (querysets) and ``may_see`` / ``owns``
(one object) both follow it.
"""
from functools import reduce
from operator import or_

from django.db import models

VIEW_ALL_DISTRICTS = "policyops.view_all_districts"


class SystemReader:
    """The system itself reading for a sweep (reminders, reports): every district, no rights.

    Pass ``SYSTEM`` where a selector wants a user and the reader is no person, instead of
    building a fake superuser. It sees every district (``sees_all_districts`` and so
    ``visible_to``), and nothing else: it is not authenticated, holds no permission
    (``has_perm`` is False, ``is_superuser`` is False) and ``may_touch_district`` refuses
    it every district, so a service or a transition that checks its acting user refuses it.
    """

    is_active = True
    is_authenticated = False
    is_anonymous = False
    is_superuser = False
    is_staff = False
    pk = id = None

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perm_list, obj=None) -> bool:
        return False

    def has_module_perms(self, app_label) -> bool:
        return False

    def __str__(self):
        return "system"

    def __repr__(self):
        return "<SystemReader>"


SYSTEM = SystemReader()


def user_has_perm(user, perm: str) -> bool:
    """``user.has_perm(perm)``, answered once per user object.

    Django already keeps the user's permission set on the object for its lifetime (a
    request); each ``has_perm`` still walks the authentication backends, instantiating each
    (a list page asked it 262 times, ~3 ms; issue 12). The answer is kept beside Django's
    cache, keyed also by the flags ``has_perm`` reads live.
    """
    key = (perm, user.is_active, user.is_superuser)
    answers = user.__dict__.setdefault("_policyops_perm_answers", {})
    answer = answers.get(key)
    if answer is None:
        answer = answers[key] = user.has_perm(perm)
    return answer


def sees_all_districts(user) -> bool:
    if isinstance(user, SystemReader):
        return True
    return bool(user and user.is_active and (user.is_superuser or user_has_perm(user, VIEW_ALL_DISTRICTS)))


def person_of(user):
    """The user's Person record, or None (an account without one, or anonymous)."""
    return getattr(user, "person", None)  # a missing one-to-one raises an AttributeError subclass


def user_district_id(user):
    """The district id of the user's Person record, or None."""
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_policyops_district_id", ...)
    if cached is ...:
        person = person_of(user)
        cached = person.district_id if person else None
        user._policyops_district_id = cached
    return cached


def visibility_q(model, user) -> models.Q | None:
    """The rows of ``model`` that ``user`` sees short of seeing every district; None when none.

    Rows of the user's district, or rows the user owns (the model's ``owner_lookups``,
    forward relations only, so no row is counted twice).
    """
    conditions = []
    district_id = user_district_id(user)
    if district_id is not None:
        conditions.append(models.Q(**{model.district_lookup: district_id}))
    if user is not None and user.is_authenticated:
        conditions += [owned_q(model, path, user) for path in getattr(model, "owner_lookups", ())]
    return reduce(or_, conditions) if conditions else None


def owned_q(model, path: str, user) -> models.Q:
    """``Q(path=user)``, with the owning rows read first where the path ends in two relations
    (``record__shift__director__person__user``: the ids of the user's directors, then
    ``record__shift__director__in``). Written as joins, the owner's OR took the director's
    lists through eight tables, and PostgreSQL spent 8–11 ms planning each of a page's
    statements for a 5 ms answer (issue 12); a user owns a handful of such rows, read once per
    user object (a request) and model."""
    parts = path.split("__")
    if len(parts) < 3:
        return models.Q(**{path: user})
    head, tail = "__".join(parts[:-2]), "__".join(parts[-2:])
    return models.Q(**{f"{head}__in": owner_ids(model_at(model, head), tail, user)})


def owner_ids(model, lookup: str, user) -> list:
    """The ids of ``model``'s rows whose ``lookup`` is ``user`` (a user's directors: ``Director``,
    ``"person__user"``), read once per user object (a request) and kept on it."""
    known = user.__dict__.setdefault("_policyops_owned_ids", {})
    key = (model._meta.label, lookup)
    if key not in known:
        rows = model._base_manager.filter(**{lookup: user})
        # The pragma: one-tuples would do as well (a related __in takes each tuple's first value).
        known[key] = list(rows.values_list("pk", flat=True))  # pragma: no mutate
    return known[key]


class DistrictScopedQuerySet(models.QuerySet):
    """A queryset that knows the lookup from its model to a District.

    The model names it in ``district_lookup`` (e.g. ``"district"`` or
    ``"power__agency__district"``), and optionally ``owner_lookups`` (see above).
    """

    def visible_to(self, user):
        if sees_all_districts(user):
            return self
        condition = visibility_q(self.model, user)
        return self.none() if condition is None else self.filter(condition)


def with_city_level(queryset, user):
    """What ``user`` sees of ``queryset`` plus its city-level rows (no district): the people
    a case of the user's district may be handed to, say."""
    if sees_all_districts(user):
        return queryset
    city_level = models.Q(**{f"{queryset.model.district_lookup}__isnull": True})
    condition = visibility_q(queryset.model, user)
    return queryset.filter(city_level if condition is None else city_level | condition)


def may_touch_district(user, district_id) -> bool:
    """Whether the user may create or change a row that belongs to ``district_id``."""
    if isinstance(user, SystemReader):
        return False  # the system reader reads; it changes nothing
    if sees_all_districts(user):
        return True
    own = user_district_id(user)
    return own is not None and own == district_id


def visible_districts(user):
    """The districts ``user`` may choose among: every one, their own, or none."""
    from policyops.models import District

    if sees_all_districts(user):
        return District.objects.all()
    return District.objects.filter(pk=user_district_id(user))


def model_at(model, lookup: str):
    """The model a chain of relations (``a__b``) from ``model`` arrives at."""
    for name in lookup.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def follow(obj, lookup: str):
    """The id at the end of ``lookup`` (``a__b__c``) from ``obj``, or None where the path breaks.

    The last step reads the foreign key's id, so the row it points at is not fetched.
    """
    *path, last = lookup.split("__")
    value = obj
    for part in path:
        value = getattr(value, part, None)
        if value is None:
            return None
    return getattr(value, value._meta.get_field(last).attname, None)  # a misnamed lookup raises


def owns(user, obj) -> bool:
    """Whether ``obj`` belongs to ``user`` by one of its model's ``owner_lookups``."""
    if user is None or not user.is_authenticated:
        return False
    return any(follow(obj, path) == user.pk for path in getattr(type(obj), "owner_lookups", ()))


def may_see(user, obj) -> bool:
    """Whether ``user`` may see ``obj`` of a district-scoped model (its district's, or their own)."""
    if sees_all_districts(user):
        return True
    own = user_district_id(user)
    return (own is not None and own == follow(obj, obj.district_lookup)) or owns(user, obj)
