"""The applicant's contact phone: how it is kept and what makes it one (one place for both).

Clerks type it through a Chinese input method, often in full-width digits (１３８…); the
public status page compares its last four digits with what the applicant types. It is kept
as ``policyops.formatting.as_typed`` reads it (full-width digits and signs as ASCII), and it
must hold enough digits to be dialled. The registration service, the admin's correction of it
and the status page all ask here.
"""
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from policyops.formatting import as_typed

ASCII_DIGITS = "0123456789"
# A number without its area code has 7 or 8 digits (a landline); fewer cannot be dialled.
CONTACT_PHONE_MIN_DIGITS = 7
CONTACT_PHONE_MAX_LENGTH = 20  # the column's width (ApprovalCase.applicant_phone)
TOO_FEW_DIGITS = _("Give a contact phone number with at least 7 digits.")


def ascii_digits(text: str) -> str:
    """The digits of ``text`` as ASCII; every other character, other scripts' digits included, dropped."""
    return "".join(ch for ch in as_typed(text) if ch in ASCII_DIGITS)


def validate_contact_phone(value: str) -> None:
    """The model field's validator: the admin's form and ``full_clean`` refuse what the service refuses."""
    if len(ascii_digits(value)) < CONTACT_PHONE_MIN_DIGITS:
        raise ValidationError(TOO_FEW_DIGITS, code="too_few_digits")
    # NFKC may lengthen a character (㍱ is "hPa"): the column must hold the phone as kept.
    MaxLengthValidator(CONTACT_PHONE_MAX_LENGTH)(as_typed(value))
