"""Gap-free yearly sequences for human-readable numbers (case and notice numbers)."""
from django.db import transaction
from django.db.models import F

from policyops.models import NumberSequence


def next_number(key: str, year: int) -> int:
    """The next number of ``key`` in ``year``, starting at 1; safe under concurrency.

    The row is locked (by the UPDATE) until the caller's transaction ends, so two
    registrations can never draw the same number, and a rolled-back one leaves no gap.
    """
    rows = NumberSequence.objects.filter(key=key, year=year)
    with transaction.atomic(savepoint=False):
        # The UPDATE takes the row lock; the first number of a year creates the row.
        if not rows.update(last=F("last") + 1):
            with transaction.atomic():  # a savepoint: a concurrent creator may win the insert
                NumberSequence.objects.get_or_create(key=key, year=year)
            rows.update(last=F("last") + 1)
        return rows.values_list("last", flat=True).get()
