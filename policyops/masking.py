"""Personal data shown masked unless the reader handles the record (issue 13, "Access").

Personal data of applicants: the contact phone (``ApprovalCase.applicant_phone``) and, in
any form that asks for one, the resident ID number (身份证号). Lists, list API responses and
exports show them masked (``138****5678``, ``370283********1234``); the page or endpoint of
one case shows the full value to the people who handle it, and each such view is written to
the audit trail (``view_personal_data``).

Who needs the full value (``sees_personal_data``):

* a clerk of the case's district (``approvals.process_case`` there): they call the applicant
  about missing materials, notices and the licence;
* the case's first-contact person and its handler (首问责任制: they answer for the case to
  the end, whatever their role);
* supervisors and superusers (every district): they handle complaints and the 回访 calls.

Everyone else who may see the case — the head of the authority, who extends and assigns
but never calls the applicant, and other staff — sees the masked value.
"""
from policyops.scoping import may_touch_district, person_of, sees_all_districts

MASK = "*"
# How much stays visible: the mobile network prefix and the last 4 digits of a phone
# (138****5678); the 6-digit region code and the last 4 of an ID number (370283********1234).
PHONE_KEEP_START, PHONE_KEEP_END = 3, 4
ID_NUMBER_KEEP_START, ID_NUMBER_KEEP_END = 6, 4


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:  # too short to keep both ends: keep only the last digit
        return MASK * (len(value) - 1) + value[-1:]
    return value[:keep_start] + MASK * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``; ``0532-88881234`` → ``053******1234``."""
    return _mask_middle(value, PHONE_KEEP_START, PHONE_KEEP_END)


def mask_id_number(value: str) -> str:
    """``370283199001011234`` → ``370283********1234``."""
    return _mask_middle(value, ID_NUMBER_KEEP_START, ID_NUMBER_KEEP_END)


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


# The audit action of a read of full personal data: in the audit trail, not in the case's history.
PERSONAL_DATA_VIEWED = "view_personal_data"


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


def record_personal_data_view(user, case) -> None:
    """One audit row: ``user`` was shown the full personal data of ``case``."""
    from policyops import audit as audit_trail

    audit_trail.record(obj=case, action=PERSONAL_DATA_VIEWED, actor=user)
