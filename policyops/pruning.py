"""Deleting what a table keeps no longer, a batch at a time (the login logs, ended sessions)."""
from django.db import transaction

# Rows deleted per transaction: the first run after an upgrade may find a year of rows.
BATCH = 10_000


def delete_in_batches(queryset) -> int:
    """Delete the rows of ``queryset``, BATCH at a time, each batch in its own transaction (no
    transaction holds a year of rows); how many were deleted."""
    deleted, batch = 0, BATCH
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by().values_list("pk", flat=True)[:batch])
            if not ids:
                return deleted
            deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]
