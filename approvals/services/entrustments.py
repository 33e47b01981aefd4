"""Entrustment agreements: signing, filing, force, suspension, revocation (002:35, 002:37)."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from approvals.models import Entrustment
from policyops import audit
from policyops.errors import InvalidInput
from policyops.history import recorded_by
from policyops.workflow import run_transition

# --- entrustments ---------------------------------------------------------------------


def entrustment_transition(*, entrustment: Entrustment, action: str, acting_user, reason: str = "",
                           as_of: dt.date | None = None):
    """sign / file / bring_into_force / reinstate / expire (the steps without input)."""
    if action not in ("sign", "file", "bring_into_force", "reinstate", "expire"):
        raise InvalidInput(_("Unknown action."), field="action")
    with transaction.atomic():
        run_transition(entrustment, action, acting_user=acting_user, as_of=as_of, reason=reason)
    return entrustment


def entrustment_suspend(*, entrustment: Entrustment, acting_user, reason: str, as_of: dt.date | None = None):
    """Suspend with the reason recorded (002:35 不得擅自收回或者变相收回): the powers stop at once."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the suspension."), field="reason")
    with transaction.atomic():
        entrustment.suspension_reason = reason
        run_transition(entrustment, "suspend", acting_user=acting_user, as_of=as_of, reason=reason)
    return entrustment


def entrustment_revoke(*, entrustment: Entrustment, acting_user, reason: str, details: str, as_of: dt.date):
    """Revoke with a recorded lawful reason; the seal is recovered the same day (002:37)."""
    if reason not in Entrustment.RevocationReason.values:
        raise InvalidInput(_("Choose the lawful reason for the revocation."), field="reason")
    if not (details or "").strip():
        raise InvalidInput(_("Describe the facts behind the revocation."), field="details")
    with transaction.atomic(), recorded_by(acting_user):
        entrustment.revocation_reason, entrustment.revocation_note = reason, details.strip()
        run_transition(entrustment, "revoke", acting_user=acting_user, as_of=as_of,
                       reason=f"{reason}: {details.strip()}")
        for seal in entrustment.seals.filter(recovered_on__isnull=True):
            seal.recovered_on = as_of
            seal.save(update_fields=["recovered_on"])
            audit.record(obj=seal, action="recover_seal", actor=acting_user, reason=reason)
    return entrustment
