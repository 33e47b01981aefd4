"""Who receives what: role members, looked up once per sweep (no query per object)."""
from collections import defaultdict

from django.contrib.auth import get_user_model

from policyops.roles import GROUP_NAMES


def role_members(role: str) -> list:
    return list(get_user_model().objects.filter(is_active=True, groups__name=GROUP_NAMES[role])
                .select_related("person").distinct())


def role_members_by_district(role: str) -> dict:
    """{district id: [users]} for the role's members who belong to a district."""
    result = defaultdict(list)
    for user in role_members(role):
        person = getattr(user, "person", None)
        if person is not None and person.district_id:
            result[person.district_id].append(user)
    return result


def department_members(department_ids) -> dict:
    """{department id: [users]} of the people of those departments who log in."""
    result = defaultdict(list)
    for user in (get_user_model().objects.filter(is_active=True, person__department_id__in=set(department_ids))
                 .select_related("person")):
        result[user.person.department_id].append(user)
    return result
