"""Gap-free yearly sequences for human-readable numbers (case and notice numbers)."""
from django.db import transaction

from policyops.models import NumberSequence


def next_number(key: str, year: int) -> int:
    """The next number of ``key`` in ``year``, starting at 1; safe under concurrency.

    The row is locked (SELECT … FOR UPDATE) until the caller's transaction ends, so two
    registrations can never draw the same number, and a rolled-back one leaves no gap.
    """
    with transaction.atomic():
        NumberSequence.objects.get_or_create(key=key, year=year)
        seq = NumberSequence.objects.select_for_update().get(key=key, year=year)
        seq.last += 1
        seq.save(update_fields=["last"])
        return seq.last
