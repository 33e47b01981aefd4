"""The applicant's contact phone: how it is kept and what makes it one (one place for both).

Clerks type it through a Chinese input method, often in full-width digits (１３８…); the
public status page compares its last four digits with what the applicant types. It is kept
as NFKC makes it (full-width digits and signs as ASCII), and it must hold enough digits to be
dialled. The registration service, the admin's correction of it and the status page all ask here.
"""
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

ASCII_DIGITS = "0123456789"
# A number without its area code has 7 or 8 digits (a landline); fewer cannot be dialled.
CONTACT_PHONE_MIN_DIGITS = 7
CONTACT_PHONE_MAX_LENGTH = 20  # the column's width (ApprovalCase.applicant_phone)
TOO_FEW_DIGITS = _("Give a contact phone number with at least 7 digits.")


def as_kept(text: str) -> str:
    """Full-width digits and signs as ASCII (NFKC), the spaces around it removed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def ascii_digits(text: str) -> str:
    """The digits of ``text`` as ASCII; every other character, other scripts' digits included, dropped."""
    return "".join(ch for ch in as_kept(text) if ch in ASCII_DIGITS)


def validate_contact_phone(value: str) -> None:
    """The model field's validator: the admin's form and ``full_clean`` refuse what the service refuses."""
    if len(ascii_digits(value)) < CONTACT_PHONE_MIN_DIGITS:
        raise ValidationError(TOO_FEW_DIGITS, code="too_few_digits")
    # NFKC may lengthen a character (㍱ is "hPa"): the column must hold the phone as kept.
    MaxLengthValidator(CONTACT_PHONE_MAX_LENGTH)(as_kept(value))
