"""Querysets of hall duty: district scoping plus the one rule of what counts in reports.

A shift of a training hall (``ServiceHall.is_training``) is practice: it counts in no
briefing, assessment, XLSX, evaluation figure, reminder or sweep. Every report asks
``Model.objects.counted()``; a model names the path to its shift in ``shift_lookup``.
"""
from django.db.models import Exists, OuterRef, Q

from policyops.scoping import DistrictScopedQuerySet


def counted_q(shift_lookup: str = "") -> Q:
    """Rows whose shift is at a real hall (not a training hall).

    Through a relation to the shift (a follow-up's, a rating's), as "no training hall's shift
    is this one": PostgreSQL then hashes the training hall's few shifts instead of joining every
    shift to its hall — the supervisor's count of open follow-ups read all 13,700 shifts of the
    benchmark's hall for 2,470 follow-ups (5.5 ms -> 1.0 ms), and shifts grow every year (issue 12).
    """
    if not shift_lookup:
        return ~Q(hall__is_training=True)
    from programs.halls.models import DutyShift

    training_shifts = DutyShift.objects.filter(pk=OuterRef(shift_lookup.removesuffix("__")), hall__is_training=True)
    return Q(~Exists(training_shifts))


class HallsQuerySet(DistrictScopedQuerySet):
    def counted(self):
        return self.filter(counted_q(self.model.shift_lookup))
