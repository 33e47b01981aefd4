"""Who reads an applicant's phone in full (policyops.masking masks it for everyone else).

Who needs the full value (``sees_personal_data``):

* a clerk of the case's district (``approvals.process_case`` there): they call the applicant
  about missing materials, notices and the licence;
* the case's first-contact person and its handler (首问责任制: they answer for the case to
  the end, whatever their role);
* supervisors and superusers (every district): they handle complaints and the 回访 calls.

Everyone else who may see the case — the head of the authority, who extends and assigns
but never calls the applicant, and other staff — sees the masked value.
"""
from policyops.masking import mask_phone, record_personal_data_view
from policyops.scoping import may_touch_district, person_of, sees_all_districts


def sees_personal_data(user, case) -> bool:
    """Whether ``user`` needs the full personal data of ``case`` (see the module's docstring)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if sees_all_districts(user):
        return True
    person = person_of(user)
    if person is not None and person.pk in (case.first_contact_id, case.handler_id):
        return True
    return user.has_perm("approvals.process_case") and may_touch_district(user, case.district_id)


def case_phone(user, case, *, audit: bool) -> str:
    """The applicant's phone as ``user`` may read it on one case's page.

    The full number to a person who handles the case — logged (``view_personal_data``) when
    ``audit`` — the masked one to anyone else.
    """
    if not sees_personal_data(user, case):
        return mask_phone(case.applicant_phone)
    if audit:
        record_personal_data_view(user, case)
    return case.applicant_phone
