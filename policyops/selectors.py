"""Reads for pages and the API, with their joins already right (no N+1)."""
from django.db.models import F

from policyops.models import Indicator, PolicyTask


def indicator_list():
    return Indicator.objects.select_related("document", "district").with_latest_reading().order_by(
        F("document__issued_on").asc(nulls_last=True), "document_id", "id")


def policy_task_list(*, user, state: str | None = None):
    """The tasks ``user`` may see (their district's lead units; all for supervisors)."""
    qs = (PolicyTask.objects.visible_to(user).select_related("document", "lead_unit")
          .prefetch_related("cooperating_units").order_by(F("deadline").asc(nulls_last=True), "id"))
    if state:
        qs = qs.filter(state=state)
    return qs
