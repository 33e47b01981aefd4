"""Masking personal data, and the audit row of a view of it in full (issue 13, "Access").

Lists, list API responses and exports show personal data masked (phones ``138****5678``,
resident ID numbers ``370283********1234``); the page of one record shows the full value
only to those who need it, and each such view is written to the audit trail
(``PERSONAL_DATA_VIEWED``). Who needs it is the app's rule: approvals.personal_data for
an applicant's phone.
"""
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


# The audit action of a read of full personal data: in the audit trail, not in the case's history.
PERSONAL_DATA_VIEWED = "view_personal_data"


def record_personal_data_view(user, obj) -> None:
    """One audit row: ``user`` was shown the full personal data of ``obj``."""
    from policyops import audit as audit_trail

    audit_trail.record(obj=obj, action=PERSONAL_DATA_VIEWED, actor=user)
