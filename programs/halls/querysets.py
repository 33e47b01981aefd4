"""Querysets of hall duty: district scoping plus the one rule of what counts in reports.

A shift of a training hall (``ServiceHall.is_training``) is practice: it counts in no
briefing, assessment, XLSX, evaluation figure, reminder or sweep. Every report asks
``Model.objects.counted()``; a model names the path to its shift in ``shift_lookup``.
"""
from django.db.models import Q

from policyops.scoping import DistrictScopedQuerySet


def counted_q(shift_lookup: str = "") -> Q:
    """Rows whose shift is at a real hall (not a training hall)."""
    return ~Q(**{f"{shift_lookup}hall__is_training": True})


class HallsQuerySet(DistrictScopedQuerySet):
    def counted(self):
        return self.filter(counted_q(self.model.shift_lookup))
